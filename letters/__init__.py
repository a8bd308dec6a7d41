"""Letters of access requests, in French: which documents to ask a public buyer for, the request
itself and the referral to the Commission d'accès aux documents administratifs, as plain text,
OpenDocument (.odt) and Word (.docx) that a volunteer can edit.

Pure: plain data in (:mod:`letters.model`), bytes or text out; no database, no web. The
articles a letter may cite, and where their text was checked, are in :mod:`letters.law`.
"""
