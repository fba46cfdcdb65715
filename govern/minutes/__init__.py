"""Minutes: committee meetings (业委会会议) and the minutes of owners' assemblies, with their printed PDFs."""
