"""The side panels whose values make up a RunConfig: Data, Model and Run.

DataPanel imports no torch and exists from the first frame; ModelPanel and RunPanel read
the models package and the engine's configs, so the window builds them once the engine
has loaded on the worker thread.
"""
