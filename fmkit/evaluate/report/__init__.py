"""Reports for three readers: `report.json` (CI), `report.md` (a PR comment), `report.html` (people).

One renderer per format (`json`, `markdown`, `html`), the number formats they share
(`formatting`), `files.write_reports` for all three, and `gate`, the CI gate behind
`fmkit eval --min-score metric=value`. The HTML page is a Jinja2 template shipped with the
package (`templates/`), self-contained so it renders offline when attached to a CI run or mailed.
"""
