"""read-only analyses over the store for screens and reports"""
