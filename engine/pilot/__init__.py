"""engine.pilot"""
