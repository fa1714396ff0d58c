"""engine.forms"""
