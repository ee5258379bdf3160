"""radiation"""
