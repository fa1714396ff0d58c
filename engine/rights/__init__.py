"""engine.rights"""
