"""The Bilan as a document: `leia bilan --year YYYY-YYYY` writes a PDF and an HTML file, in French,
with the sections of the Bilan 2017, every number and chart read from the published warehouse.

    queries.py     what the document reads (the bi models and marts of LEIA_HOME/leia.duckdb,
                   opened read-only), the school years available
    formatting.py  numbers the French way ("89 209", "52,0 %", "4 500,00 €")
    charts.py      inline SVG bar and line charts drawn from query results
    sections.py    the document's sections, and which figures of the marts go where
    content.py     what each section shows beyond them: sentences, tables, charts
    parts.py       a section's pieces (Section, Table)
    rendering.py   the HTML, from the Jinja2 templates of templates/
    pdf.py         the PDF, printed from the HTML by headless Chromium (offline)
    document.py    all of it for one school year, written under LEIA_HOME/bilan/

The command is orchestration/cli/bilan.py; the Dagster asset orchestration/defs/bilan/.
"""
