"""Lists from spreadsheets: a critical-mineral list sent as CSV becomes a contribution.

`csv_list` reads the table (BOM, `;` or `,`, Windows line endings, at most 5,000
rows; formula-looking cells refused), the list's metadata from the request, matches
each entry to a commodity with the search engine (`critmin.search`: the same one as
/search and /reconcile), and writes the Turtle that then goes through the ordinary
contribution path (sandboxed parse, SHACL gate, staging).

May import: `critmin.search`, `critmin.rdf.namespaces`, `critmin.errors`. No HTTP.
"""
