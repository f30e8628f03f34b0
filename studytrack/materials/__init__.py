"""The materials library (学习材料) of each unit, with attachments, and links to sessions."""
