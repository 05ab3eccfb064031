"""Which item types and fields the loopback Zotero server accepts on writes, and the type/field endpoints.

Zotero validates every written item against its schema: an unknown `itemType` or a field the type does
not have fails that object with a 400. The server needs the same table. `Schema()` is a built-in subset
(the types a paper list uses, with their fields as Zotero's schema version 41 has them, including the
`DOI` every regular type gained in version 33); `Schema.from_json(doc)` reads a whole `schema.json` (the
one api.zotero.org serves at /schema) for tests that want every type.

It also answers the global endpoints pyzotero calls around writes: `/itemTypes`, `/itemFields` (which
`update_item` reads to check an item's keys), `/itemTypeFields?itemType=`, `/creatorFields` and
`/items/new?itemType=` (an empty template). Localized names are English, derived from the field name
when no schema document gives them.
"""
from __future__ import annotations

import re

# Fields every regular type has (schema v41); notes, attachments and annotations have none of them.
COMMON = ("abstractNote", "DOI", "citationKey", "shortTitle", "rights", "extra")
_LIBRARY = "url accessDate archive archiveLocation language libraryCatalog callNumber"

# type -> (its own fields in schema order, creator types, primary first). Facts from Zotero's schema.json.
BUILT_IN: dict[str, tuple[str, str]] = {
    "journalArticle": ("title publicationTitle publisher place date volume issue section partNumber partTitle "
                       "pages series seriesTitle seriesText journalAbbreviation url accessDate PMID PMCID ISSN "
                       "archive archiveLocation language libraryCatalog callNumber",
                       "author contributor editor translator reviewedAuthor"),
    "conferencePaper": ("title proceedingsTitle conferenceName publisher place date eventPlace volume issue "
                        "numberOfVolumes pages series seriesNumber ISBN url accessDate ISSN archive "
                        "archiveLocation language libraryCatalog callNumber",
                        "author contributor editor translator seriesEditor"),
    "preprint": (f"title genre repository archiveID place date series seriesNumber {_LIBRARY}",
                 "author contributor editor translator reviewedAuthor"),
    "book": ("title series seriesNumber volume numberOfVolumes edition date publisher place originalDate "
             "originalPublisher originalPlace format numPages ISBN url accessDate ISSN archive archiveLocation "
             "language libraryCatalog callNumber",
             "author contributor editor translator seriesEditor"),
    "bookSection": ("title bookTitle series seriesNumber volume numberOfVolumes edition date publisher place "
                    "originalDate originalPublisher originalPlace format pages ISBN url accessDate ISSN archive "
                    "archiveLocation language libraryCatalog callNumber",
                    "author contributor editor bookAuthor translator seriesEditor"),
    "thesis": ("title thesisType university place date series seriesNumber numPages ISBN url accessDate ISSN "
               "archive archiveLocation language libraryCatalog callNumber", "author contributor"),
    "report": ("title reportNumber reportType institution place date seriesTitle seriesNumber pages ISBN url "
               "accessDate ISSN archive archiveLocation language libraryCatalog callNumber",
               "author editor contributor translator seriesEditor"),
    "webpage": ("title websiteTitle websiteType date publisher place url accessDate language",
                "author contributor translator"),
    "manuscript": (f"title manuscriptType institution place date numPages number {_LIBRARY}",
                   "author contributor translator"),
    "magazineArticle": (f"title publicationTitle publisher place date volume issue pages ISSN {_LIBRARY}",
                        "author contributor translator reviewedAuthor"),
    "blogPost": ("title blogTitle websiteType date url accessDate ISSN language",
                 "author translator commenter contributor"),
    "computerProgram": ("title seriesTitle versionNumber date system company place programmingLanguage url "
                        "accessDate ISBN archive archiveLocation libraryCatalog callNumber",
                        "programmer contributor"),
    "dataset": (f"title identifier type versionNumber date repository repositoryLocation format {_LIBRARY}",
                "author contributor"),
    "presentation": ("title presentationType date meetingName place series sessionTitle url accessDate language",
                     "presenter chair organizer contributor translator"),
    "document": (f"title type date publisher place {_LIBRARY}", "author contributor editor translator reviewedAuthor"),
    "standard": ("title organization committee type number versionNumber edition status date publisher place "
                 "partNumber partTitle ISBN url accessDate archive archiveLocation numPages language "
                 "libraryCatalog callNumber", "author editor contributor"),
}

# Properties an item may carry besides its type's fields (the "editable JSON" of the write docs).
ITEM_PROPERTIES = frozenset({"key", "version", "itemType", "tags", "collections", "relations", "dateAdded",
                             "dateModified", "deleted", "inPublications"})
CHILD_PROPERTIES = {
    "note": frozenset({"note", "parentItem"}),
    "attachment": frozenset({"parentItem", "note", "title", "url", "accessDate", "linkMode", "contentType",
                             "charset", "filename", "md5", "mtime", "path"}),
}
COLLECTION_PROPERTIES = frozenset({"key", "version", "name", "parentCollection", "relations"})
LINK_MODES = ("imported_file", "imported_url", "linked_file", "linked_url", "embedded_image")


def localized(field: str) -> str:
    """'proceedingsTitle' -> 'Proceedings Title': English for a field no schema document names."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", field)
    return words[:1].upper() + words[1:]


class Schema:
    """Item types -> fields and creator types; answers whether a written item is valid."""

    def __init__(self, types: dict[str, tuple[list[str], list[str]]] | None = None,
                 names: dict[str, str] | None = None, version: int = 41):
        if types is None:
            types = {name: (fields.split() + list(COMMON), creators.split())
                     for name, (fields, creators) in BUILT_IN.items()}
        self.types = types
        self.names = names or {}
        self.version = version

    @classmethod
    def from_json(cls, doc: dict) -> "Schema":
        """A whole schema.json: every type Zotero has, with its English names."""
        types = {t["itemType"]: ([f["field"] for f in t.get("fields", ())],
                                 [c["creatorType"] for c in t.get("creatorTypes", ())])
                 for t in doc["itemTypes"] if t["itemType"] not in CHILD_PROPERTIES}
        english = (doc.get("locales") or {}).get("en-US", {})
        names = {**english.get("itemTypes", {}), **english.get("creatorTypes", {}), **english.get("fields", {})}
        return cls(types, names, int(doc.get("version", 0)))

    def item_types(self) -> list[str]:
        return sorted(self.types) + sorted(CHILD_PROPERTIES)

    def is_type(self, item_type: object) -> bool:
        return isinstance(item_type, str) and (item_type in self.types or item_type in CHILD_PROPERTIES)

    def allowed(self, item_type: str) -> frozenset[str]:
        """Every property an item of this type may carry."""
        if item_type in CHILD_PROPERTIES:
            return ITEM_PROPERTIES | CHILD_PROPERTIES[item_type]
        return ITEM_PROPERTIES | {"creators"} | set(self.types[item_type][0])

    def creator_types(self, item_type: str) -> list[str]:
        return list(self.types.get(item_type, ((), ()))[1])

    def all_fields(self) -> list[str]:
        seen: dict[str, None] = {}
        for fields, _ in self.types.values():
            seen.update(dict.fromkeys(fields))
        return sorted(seen)

    def name(self, field: str) -> str:
        """English name of a field, item type or creator type."""
        return self.names.get(field) or localized(field)

    def template(self, item_type: str) -> dict:
        """The empty editable JSON `GET /items/new?itemType=` answers."""
        if item_type == "note":
            return {"itemType": "note", "note": "", "tags": [], "collections": [], "relations": {}}
        fields, creators = self.types[item_type]
        out: dict = {"itemType": item_type}
        for field in fields:
            out[field] = ""
            if field == "title":   # Zotero's templates put the creators right after the title
                out["creators"] = [{"creatorType": creators[0], "firstName": "", "lastName": ""}]
        out.setdefault("creators", [{"creatorType": creators[0], "firstName": "", "lastName": ""}])
        out.update(tags=[], collections=[], relations={})
        return out

    def global_answer(self, path: str, query: dict) -> object | None:
        """The JSON of a type/field endpoint, or None when `path` is not one (KeyError: bad itemType)."""
        if path == "/itemTypes":
            return [{"itemType": t, "localized": self.name(t)} for t in self.item_types()]
        if path == "/itemFields":
            return [{"field": f, "localized": self.name(f)} for f in self.all_fields()]
        if path == "/creatorFields":
            return [{"field": "firstName", "localized": "First"}, {"field": "lastName", "localized": "Last"},
                    {"field": "name", "localized": "Name"}]
        item_type = query.get("itemType", "")
        if path == "/itemTypeFields":
            return [{"field": f, "localized": self.name(f)} for f in self.types[item_type][0]]
        if path == "/itemTypeCreatorTypes":
            return [{"creatorType": c, "localized": self.name(c)} for c in self.types[item_type][1]]
        if path == "/items/new":
            if item_type not in self.types and item_type != "note":
                raise KeyError(item_type)
            return self.template(item_type)
        return None
