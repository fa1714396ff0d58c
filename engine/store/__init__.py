"""engine.store"""
