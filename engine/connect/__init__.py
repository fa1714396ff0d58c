"""engine.connect"""
