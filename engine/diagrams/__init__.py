"""engine.diagrams"""
