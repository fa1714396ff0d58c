"""engine.directory"""
