"""The Bilan as a document (PDF and HTML), written from the published warehouse."""
