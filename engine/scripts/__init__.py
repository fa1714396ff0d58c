"""engine.scripts"""
