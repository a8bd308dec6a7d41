"""Pure parsers: one portal payload (JSON, XML, CSV) in, ``vocabulary.items.NoticeItem`` out."""
