"""The session report (学习记录) and its outputs: print, Word, PDF, news-release draft, archive."""
