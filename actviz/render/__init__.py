"""Renderers: results of the library turned into terminal tables (:mod:`.tables`) and files
(:mod:`.export`). They only format; every number comes from the library."""
