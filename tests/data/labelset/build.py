"""Builds the labelled test set (curator.json, field.json, heldout.json) from the facts in facts.py.

Run `python -m tests.data.labelset.build` from the repository root after editing facts.py; the JSON files
are what the tests and the benchmark read. The output is deterministic: same facts, same bytes.

What is fact and what is not: titles, authors, venues, proceedings and journal names, years, volumes,
pages, DOIs and arXiv ids come from the public records (publisher pages, DBLP, Crossref, arXiv). The
shape of every answer follows the source's documentation. Numbers no public record pins down for us
are made up deterministically and say so here: DBLP's `@score`, `@id` and author `@pid`, Crossref's
`is-referenced-by-count`, the Zotero `dateAdded`/`accessDate` stamps, and USENIX presentation URLs
(built with USENIX's usual /presentation/<surname> pattern).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---- the Zotero schema fields (schema.json of the Zotero data schema, itemTypes[].fields) -----------

FIELDS = {
    "conferencePaper": ["title", "abstractNote", "proceedingsTitle", "conferenceName", "publisher", "place",
                        "date", "eventPlace", "volume", "issue", "numberOfVolumes", "pages", "series",
                        "seriesNumber", "DOI", "ISBN", "citationKey", "url", "accessDate", "ISSN", "archive",
                        "archiveLocation", "shortTitle", "language", "libraryCatalog", "callNumber", "rights",
                        "extra"],
    "journalArticle": ["title", "abstractNote", "publicationTitle", "publisher", "place", "date", "volume",
                       "issue", "section", "partNumber", "partTitle", "pages", "series", "seriesTitle",
                       "seriesText", "journalAbbreviation", "DOI", "citationKey", "url", "accessDate", "PMID",
                       "PMCID", "ISSN", "archive", "archiveLocation", "shortTitle", "language",
                       "libraryCatalog", "callNumber", "rights", "extra"],
    "preprint": ["title", "abstractNote", "genre", "repository", "archiveID", "place", "date", "series",
                 "seriesNumber", "DOI", "citationKey", "url", "accessDate", "archive", "archiveLocation",
                 "shortTitle", "language", "libraryCatalog", "callNumber", "rights", "extra"],
    "blogPost": ["title", "abstractNote", "blogTitle", "websiteType", "date", "DOI", "citationKey", "url",
                 "accessDate", "ISSN", "shortTitle", "language", "rights", "extra"],
    "webpage": ["title", "abstractNote", "websiteTitle", "websiteType", "date", "publisher", "place", "DOI",
                "citationKey", "url", "accessDate", "shortTitle", "language", "rights", "extra"],
    "thesis": ["title", "abstractNote", "thesisType", "university", "place", "date", "series", "seriesNumber",
               "numPages", "DOI", "ISBN", "citationKey", "url", "accessDate", "ISSN", "archive",
               "archiveLocation", "shortTitle", "language", "libraryCatalog", "callNumber", "rights", "extra"],
    "report": ["title", "abstractNote", "reportNumber", "reportType", "institution", "place", "date",
               "seriesTitle", "seriesNumber", "pages", "DOI", "ISBN", "citationKey", "url", "accessDate", "ISSN",
               "archive", "archiveLocation", "shortTitle", "language", "libraryCatalog", "callNumber", "rights",
               "extra"],
    "book": ["title", "abstractNote", "series", "seriesNumber", "volume", "numberOfVolumes", "edition", "date",
             "publisher", "place", "originalDate", "originalPublisher", "originalPlace", "format", "numPages",
             "ISBN", "DOI", "citationKey", "url", "accessDate", "ISSN", "archive", "archiveLocation",
             "shortTitle", "language", "libraryCatalog", "callNumber", "rights", "extra"],
}


def h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def split_name(name: str) -> tuple[str, str]:
    """'Jean-François Crespo' -> ('Jean-François', 'Crespo'); particles stay with the given name."""
    parts = name.split()
    return " ".join(parts[:-1]), parts[-1]


def ascii_fold(s: str) -> str:
    table = str.maketrans("áàâäãåçéèêëíìîïñóòôöõøúùûüýÿłŁßÉÖÜÄ", "aaaaaaceeeeiiiinoooooouuuuyylLsEOUA")
    return re.sub(r"[^A-Za-z]", "", s.translate(table))


# ---- venues: how each publisher names them ----------------------------------------------------------
# kind: acm | ieee | usenix | neurips | pmlr | iclr | mlsys | journal | ndss | kdd...
# dblp: DBLP's venue string; stream: DBLP key prefix; label: what the field writes.

VENUES = {
    "SOSP": dict(label="SOSP", dblp="SOSP", stream="conf/sosp"),
    "OSDI": dict(label="OSDI", dblp="OSDI", stream="conf/osdi"),
    "NSDI": dict(label="NSDI", dblp="NSDI", stream="conf/nsdi"),
    "ATC": dict(label="ATC", dblp="USENIX ATC", stream="conf/usenix"),
    "FAST": dict(label="FAST", dblp="FAST", stream="conf/fast"),
    "USENIX Security": dict(label="USENIX Security", dblp="USENIX Security Symposium", stream="conf/uss"),
    "HotCloud": dict(label="HotCloud", dblp="HotCloud", stream="conf/hotcloud"),
    "OpML": dict(label="OpML", dblp="OpML", stream="conf/opml"),
    "EuroSys": dict(label="EuroSys", dblp="EuroSys", stream="conf/eurosys"),
    "SoCC": dict(label="SoCC", dblp="SoCC", stream="conf/cloud"),
    "ASPLOS": dict(label="ASPLOS", dblp="ASPLOS (2)", stream="conf/asplos"),
    "HotOS": dict(label="HotOS", dblp="HotOS", stream="conf/hotos"),
    "SC": dict(label="SC", dblp="SC", stream="conf/sc"),
    "DSN": dict(label="DSN", dblp="DSN", stream="conf/dsn"),
    "ISSRE": dict(label="ISSRE", dblp="ISSRE", stream="conf/issre"),
    "ICSE": dict(label="ICSE", dblp="ICSE", stream="conf/icse"),
    "ICSE-Companion": dict(label="ICSE", dblp="ICSE-Companion", stream="conf/icse"),
    "ICSEW": dict(label="ICSEW", dblp="ICSE (Workshops)", stream="conf/icse"),
    # Tracks of ICSE print as ICSE, as the curator writes its companion volume.
    "ICSE-SEIP": dict(label="ICSE", dblp="ICSE (SEIP)", stream="conf/icse"),
    "ICSE-NIER": dict(label="ICSE", dblp="ICSE (NIER)", stream="conf/icse"),
    "WAIN": dict(label="WAIN", dblp="WAIN@ICSE", stream="conf/wain"),
    "FSE": dict(label="FSE", dblp="ESEC/SIGSOFT FSE", stream="conf/sigsoft"),
    "ISSTA": dict(label="ISSTA", dblp="ISSTA", stream="conf/issta"),
    "ASE": dict(label="ASE", dblp="ASE", stream="conf/kbse"),
    "DEEM": dict(label="DEEM", dblp="DEEM@SIGMOD", stream="conf/sigmod"),
    "KDD": dict(label="KDD", dblp="KDD", stream="conf/kdd"),
    "PLDI": dict(label="PLDI", dblp="PLDI", stream="conf/pldi"),
    "CCS": dict(label="CCS", dblp="CCS", stream="conf/ccs"),
    "S&P": dict(label="S&P", dblp="SP", stream="conf/sp"),
    "NDSS": dict(label="NDSS", dblp="NDSS", stream="conf/ndss"),
    "ICCV": dict(label="ICCV", dblp="ICCV", stream="conf/iccv"),
    "BigData": dict(label="IEEE BigData", dblp="IEEE BigData", stream="conf/bigdataconf"),
    "NeurIPS": dict(label="NeurIPS", dblp="NeurIPS", stream="conf/nips"),
    "ICML": dict(label="ICML", dblp="ICML", stream="conf/icml"),
    "ICLR": dict(label="ICLR", dblp="ICLR", stream="conf/iclr"),
    "MLSys": dict(label="MLSys", dblp="MLSys", stream="conf/mlsys"),
    "SysML": dict(label="SysML", dblp="SysML", stream="conf/mlsys"),   # MLSys until 2019
    # journals: full name (publisher page), Crossref short container, DBLP venue, DBLP stream
    "TSE": dict(label="TSE", journal="IEEE Transactions on Software Engineering", short="IIEEE Trans. Software Eng.",
                dblp="IEEE Trans. Software Eng.", stream="journals/tse", issn="1939-3520", pub="ieee"),
    "TOSEM": dict(label="TOSEM", journal="ACM Transactions on Software Engineering and Methodology",
                  short="ACM Trans. Softw. Eng. Methodol.", dblp="ACM Trans. Softw. Eng. Methodol.",
                  stream="journals/tosem", issn="1049-331X", pub="acm"),
    "IST": dict(label="IST", journal="Information and Software Technology", short="Information and Software Technology",
                dblp="Inf. Softw. Technol.", stream="journals/infsof", issn="0950-5849", pub="elsevier"),
    "JSS": dict(label="JSS", journal="Journal of Systems and Software", short="Journal of Systems and Software",
                dblp="J. Syst. Softw.", stream="journals/jss", issn="0164-1212", pub="elsevier"),
    "EMSE": dict(label="EMSE", journal="Empirical Software Engineering", short="Empir Software Eng",
                 dblp="Empir. Softw. Eng.", stream="journals/ese", issn="1382-3256", pub="springer"),
    "JMLR": dict(label="JMLR", journal="Journal of Machine Learning Research", dblp="J. Mach. Learn. Res.",
                 stream="journals/jmlr", issn="1533-7928", pub="jmlr"),
    "TMLR": dict(label="TMLR", journal="Transactions on Machine Learning Research", dblp="Trans. Mach. Learn. Res.",
                 stream="journals/tmlr", issn="2835-8856", pub="tmlr"),
    "CACM": dict(label="CACM", journal="Communications of the ACM", short="Commun. ACM", dblp="Commun. ACM",
                 stream="journals/cacm", issn="0001-0782", pub="acm"),
    "TOCS": dict(label="TOCS", journal="ACM Transactions on Computer Systems", short="ACM Trans. Comput. Syst.",
                 dblp="ACM Trans. Comput. Syst.", stream="journals/tocs", issn="0734-2071", pub="acm"),
    "CSUR": dict(label="CSUR", journal="ACM Computing Surveys", short="ACM Comput. Surv.", dblp="ACM Comput. Surv.",
                 stream="journals/csur", issn="0360-0300", pub="acm"),
    "Nature": dict(label="Nature", journal="Nature", short="Nature", dblp="Nat.", stream="journals/nature",
                   issn="0028-0836", pub="nature"),
    "IEEE Software": dict(label="IEEE Software", journal="IEEE Software", short="IEEE Softw.", dblp="IEEE Softw.",
                          stream="journals/software", issn="0740-7459", pub="ieee"),
    "IEEE Intell. Syst.": dict(label="IEEE Intelligent Systems", journal="IEEE Intelligent Systems",
                               short="IEEE Intell. Syst.", dblp="IEEE Intell. Syst.", stream="journals/expert",
                               issn="1541-1672", pub="ieee"),
    "PVLDB": dict(label="VLDB", journal="Proceedings of the VLDB Endowment", short="Proc. VLDB Endow.",
                  dblp="Proc. VLDB Endow.", stream="journals/pvldb", issn="2150-8097", pub="vldb"),
    "Lancet": dict(label="Lancet", journal="The Lancet", short="The Lancet", dblp=None, stream=None,
                   issn="0140-6736", pub="elsevier"),
}

ORD = {1: "st", 2: "nd", 3: "rd"}


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else ORD.get(n % 10, 'th')}"


# USENIX: the proceedings title on the paper's page, as citation_conference_title gives it.
def usenix_proc(venue: str, year: int) -> str:
    yy = f"{year % 100:02d}"
    if venue == "OSDI":
        n = {2006: 7, 2012: 10, 2014: 11, 2016: 12, 2018: 13, 2020: 14}.get(year, year - 2006)
        return f"{ordinal(n)} USENIX Symposium on Operating Systems Design and Implementation (OSDI {yy})"
    if venue == "NSDI":
        return f"{ordinal(year - 2003)} USENIX Symposium on Networked Systems Design and Implementation (NSDI {yy})"
    if venue == "FAST":
        return f"{ordinal(year - 2002)} USENIX Conference on File and Storage Technologies (FAST {yy})"
    if venue == "USENIX Security":
        return f"{ordinal(year - 1991)} USENIX Security Symposium (USENIX Security {yy})"
    if venue == "ATC":
        return f"{year} USENIX Annual Technical Conference (USENIX ATC {yy})"
    if venue == "HotCloud":
        return f"{ordinal(year - 2008)} USENIX Workshop on Hot Topics in Cloud Computing (HotCloud {yy})"
    if venue == "OpML":
        return f"{year} USENIX Conference on Operational Machine Learning (OpML {yy})"
    raise KeyError(venue)


USENIX_SLUG = {"OSDI": "osdi", "NSDI": "nsdi", "FAST": "fast", "USENIX Security": "usenixsecurity",
               "ATC": "atc", "HotCloud": "hotcloud", "OpML": "opml"}

# ACM proceedings: (proceedingsTitle, event name, event acronym / series, event location, month)
ACM = {
    ("SOSP", 2017): ("Proceedings of the 26th Symposium on Operating Systems Principles",
                     "SOSP '17: ACM SIGOPS 26th Symposium on Operating Systems Principles", "SOSP '17", "Shanghai China", 10),
    ("SOSP", 2019): ("Proceedings of the 27th ACM Symposium on Operating Systems Principles",
                     "SOSP '19: ACM SIGOPS 27th Symposium on Operating Systems Principles", "SOSP '19", "Huntsville Ontario Canada", 10),
    ("SOSP", 2021): ("Proceedings of the ACM SIGOPS 28th Symposium on Operating Systems Principles",
                     "SOSP '21: ACM SIGOPS 28th Symposium on Operating Systems Principles", "SOSP '21", "Virtual Event Germany", 10),
    ("SOSP", 2023): ("Proceedings of the 29th Symposium on Operating Systems Principles",
                     "SOSP '23: 29th Symposium on Operating Systems Principles", "SOSP '23", "Koblenz Germany", 10),
    ("SOSP", 2025): ("Proceedings of the ACM SIGOPS 31st Symposium on Operating Systems Principles",
                     "SOSP '25: ACM SIGOPS 31st Symposium on Operating Systems Principles", "SOSP '25", "Lotte Hotel World Seoul Republic of Korea", 10),
    ("ICSE", 2018): ("Proceedings of the 40th International Conference on Software Engineering",
                     "ICSE '18: 40th International Conference on Software Engineering", "ICSE '18", "Gothenburg Sweden", 5),
    ("ICSE", 2020): ("Proceedings of the ACM/IEEE 42nd International Conference on Software Engineering",
                     "ICSE '20: 42nd International Conference on Software Engineering", "ICSE '20", "Seoul South Korea", 6),
    ("ICSE", 2021): ("Proceedings of the 43rd International Conference on Software Engineering",
                     "", "ICSE '21", "Madrid, Spain", 5),
    ("ICSE", 2023): ("Proceedings of the 45th International Conference on Software Engineering",
                     "", "ICSE '23", "Melbourne, Victoria, Australia", 5),
    ("ICSE", 2022): ("Proceedings of the 44th International Conference on Software Engineering",
                     "ICSE '22: 44th International Conference on Software Engineering", "ICSE '22", "Pittsburgh Pennsylvania", 5),
    ("ICSE", 2024): ("Proceedings of the IEEE/ACM 46th International Conference on Software Engineering",
                     "ICSE '24: IEEE/ACM 46th International Conference on Software Engineering", "ICSE '24", "Lisbon Portugal", 4),
    ("ICSE-Companion", 2022): ("Proceedings of the ACM/IEEE 44th International Conference on Software Engineering: Companion Proceedings",
                               "ICSE '22: 44th International Conference on Software Engineering", "ICSE '22", "Pittsburgh Pennsylvania", 5),
    ("ICSEW", 2020): ("Proceedings of the IEEE/ACM 42nd International Conference on Software Engineering Workshops",
                      "ICSE '20: 42nd International Conference on Software Engineering", "ICSE '20", "Seoul Republic of Korea", 6),
    ("FSE", 2019): ("Proceedings of the 2019 27th ACM Joint Meeting on European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '19: 27th ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '19", "Tallinn Estonia", 8),
    ("FSE", 2020): ("Proceedings of the 28th ACM Joint Meeting on European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '20: 28th ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '20", "Virtual Event USA", 11),
    ("FSE", 2022): ("Proceedings of the 30th ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '22: 30th ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '22", "Singapore Singapore", 11),
    ("FSE", 2023): ("Proceedings of the 31st ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '23: 31st ACM Joint European Software Engineering Conference and Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE '23", "San Francisco CA USA", 11),
    ("ISSTA", 2018): ("Proceedings of the 27th ACM SIGSOFT International Symposium on Software Testing and Analysis",
                      "ISSTA '18: International Symposium on Software Testing and Analysis", "ISSTA '18", "Amsterdam Netherlands", 7),
    ("ISSTA", 2019): ("Proceedings of the 28th ACM SIGSOFT International Symposium on Software Testing and Analysis",
                      "ISSTA '19: 28th ACM SIGSOFT International Symposium on Software Testing and Analysis", "ISSTA '19", "Beijing China", 7),
    ("ISSTA", 2022): ("Proceedings of the 31st ACM SIGSOFT International Symposium on Software Testing and Analysis",
                      "ISSTA '22: 31st ACM SIGSOFT International Symposium on Software Testing and Analysis", "ISSTA '22", "Virtual South Korea", 7),
    ("ISSTA", 2023): ("Proceedings of the 32nd ACM SIGSOFT International Symposium on Software Testing and Analysis",
                      "ISSTA '23: 32nd ACM SIGSOFT International Symposium on Software Testing and Analysis", "ISSTA '23", "Seattle WA USA", 7),
    ("ASE", 2018): ("Proceedings of the 33rd ACM/IEEE International Conference on Automated Software Engineering",
                    "ASE '18: 33rd ACM/IEEE International Conference on Automated Software Engineering", "ASE '18", "Montpellier France", 9),
    ("ASE", 2020): ("Proceedings of the 35th IEEE/ACM International Conference on Automated Software Engineering",
                    "ASE '20: 35th IEEE/ACM International Conference on Automated Software Engineering", "ASE '20",
                    "Virtual Event Australia", 12),
    ("FSE", 2017): ("Proceedings of the 2017 11th Joint Meeting on Foundations of Software Engineering",
                    "ESEC/FSE'17: Joint Meeting of the European Software Engineering Conference and the ACM SIGSOFT Symposium on the Foundations of Software Engineering",
                    "ESEC/FSE 2017", "Paderborn Germany", 8),
    ("ISSTA", 2021): ("Proceedings of the 30th ACM SIGSOFT International Symposium on Software Testing and Analysis",
                      "ISSTA '21: 30th ACM SIGSOFT International Symposium on Software Testing and Analysis", "ISSTA '21",
                      "Virtual Denmark", 7),
    ("ASPLOS", 2023): ("Proceedings of the 28th ACM International Conference on Architectural Support for Programming Languages and Operating Systems, Volume 2",
                       "ASPLOS '23: 28th ACM International Conference on Architectural Support for Programming Languages and Operating Systems, Volume 2",
                       "ASPLOS 2023", "Vancouver BC Canada", 1),
    ("EuroSys", 2018): ("Proceedings of the Thirteenth EuroSys Conference", "EuroSys '18: Thirteenth EuroSys Conference 2018",
                        "EuroSys '18", "Porto Portugal", 4),
    ("EuroSys", 2022): ("Proceedings of the Seventeenth European Conference on Computer Systems",
                        "EuroSys '22: Seventeenth European Conference on Computer Systems", "EuroSys '22", "Rennes France", 3),
    ("SoCC", 2020): ("Proceedings of the 11th ACM Symposium on Cloud Computing", "SoCC '20: ACM Symposium on Cloud Computing",
                     "SoCC '20", "Virtual Event USA", 10),
    ("SoCC", 2021): ("Proceedings of the ACM Symposium on Cloud Computing", "SoCC '21: ACM Symposium on Cloud Computing",
                     "SoCC '21", "Seattle WA USA", 11),
    ("HotOS", 2017): ("Proceedings of the 16th Workshop on Hot Topics in Operating Systems",
                      "HotOS '17: Workshop on Hot Topics in Operating Systems", "HotOS '17", "Whistler BC Canada", 5),
    ("HotOS", 2021): ("Proceedings of the Workshop on Hot Topics in Operating Systems",
                      "HotOS '21: Workshop on Hot Topics in Operating Systems", "HotOS '21", "Ann Arbor Michigan", 6),
    ("SC", 2021): ("Proceedings of the International Conference for High Performance Computing, Networking, Storage and Analysis",
                   "SC '21: The International Conference for High Performance Computing, Networking, Storage and Analysis",
                   "SC '21", "St. Louis Missouri", 11),
    ("DEEM", 2019): ("Proceedings of the 3rd International Workshop on Data Management for End-to-End Machine Learning",
                     "SIGMOD/PODS '19: International Conference on Management of Data", "SIGMOD/PODS '19", "Amsterdam Netherlands", 6),
    ("KDD", 2017): ("Proceedings of the 23rd ACM SIGKDD International Conference on Knowledge Discovery and Data Mining",
                    "KDD '17: The 23rd ACM SIGKDD International Conference on Knowledge Discovery and Data Mining",
                    "KDD '17", "Halifax NS Canada", 8),
    ("PLDI", 2013): ("Proceedings of the 34th ACM SIGPLAN Conference on Programming Language Design and Implementation",
                     "PLDI '13: ACM SIGPLAN Conference on Programming Language Design and Implementation", "PLDI '13",
                     "Seattle Washington USA", 6),
    ("CCS", 2016): ("Proceedings of the 2016 ACM SIGSAC Conference on Computer and Communications Security",
                    "CCS'16: 2016 ACM SIGSAC Conference on Computer and Communications Security", "CCS'16",
                    "Vienna Austria", 10),
}

# IEEE proceedings: (title as IEEE Xplore gives it, location, month)
IEEE = {
    ("ICSE", 2019): ("2019 IEEE/ACM 41st International Conference on Software Engineering (ICSE)", "Montreal, QC, Canada", 5),
    ("ICSE", 2021): ("2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)", "Madrid, ES", 5),
    ("ICSE", 2022): ("2022 IEEE/ACM 44th International Conference on Software Engineering (ICSE)", "Pittsburgh, PA, USA", 5),
    ("ICSE", 2023): ("2023 IEEE/ACM 45th International Conference on Software Engineering (ICSE)", "Melbourne, Australia", 5),
    ("ICSE-SEIP", 2019): ("2019 IEEE/ACM 41st International Conference on Software Engineering: Software Engineering in Practice (ICSE-SEIP)",
                          "Montreal, QC, Canada", 5),
    ("ICSE-NIER", 2019): ("2019 IEEE/ACM 41st International Conference on Software Engineering: New Ideas and Emerging Results (ICSE-NIER)",
                          "Montreal, QC, Canada", 5),
    ("WAIN", 2021): ("2021 IEEE/ACM 1st Workshop on AI Engineering - Software Engineering for AI (WAIN)", "Madrid, Spain", 5),
    ("ISSRE", 2019): ("2019 IEEE 30th International Symposium on Software Reliability Engineering (ISSRE)", "Berlin, Germany", 10),
    ("DSN", 2021): ("2021 51st Annual IEEE/IFIP International Conference on Dependable Systems and Networks (DSN)", "Taipei, Taiwan", 6),
    ("S&P", 2017): ("2017 IEEE Symposium on Security and Privacy (SP)", "San Jose, CA, USA", 5),
    ("SC", 2020): ("SC20: International Conference for High Performance Computing, Networking, Storage and Analysis", "Atlanta, GA, USA", 11),
    ("ICCV", 2017): ("2017 IEEE International Conference on Computer Vision (ICCV)", "Venice", 10),
    ("BigData", 2017): ("2017 IEEE International Conference on Big Data (Big Data)", "Boston, MA", 12),
}

# Proceedings of the ML venues without DOIs (page of the paper)
def ml_proc(venue: str, year: int) -> dict:
    if venue == "NeurIPS":
        return dict(proceedingsTitle="Advances in Neural Information Processing Systems", volume=str(year - 1987),
                    publisher="Curran Associates, Inc.", libraryCatalog="Neural Information Processing Systems")
    if venue == "ICML":
        n = year - 1983
        vol = {2017: 70, 2018: 80, 2019: 97, 2020: 119, 2021: 139, 2022: 162, 2023: 202, 2024: 235}[year]
        return dict(proceedingsTitle=f"Proceedings of the {ordinal(n)} International Conference on Machine Learning",
                    conferenceName="International Conference on Machine Learning", publisher="PMLR",
                    series="Proceedings of Machine Learning Research", volume=str(vol), ISSN="2640-3498",
                    language="en", libraryCatalog="proceedings.mlr.press")
    if venue == "ICLR":
        return dict(conferenceName="International Conference on Learning Representations", language="en",
                    libraryCatalog="openreview.net")
    if venue == "MLSys":
        return dict(proceedingsTitle="Proceedings of Machine Learning and Systems", volume=str(year - 2018),
                    libraryCatalog="proceedings.mlsys.org", language="en")
    raise KeyError(venue)


# ---- one paper ----------------------------------------------------------------------------------------

def creators(authors: list[str]) -> list[dict]:
    out = []
    for a in authors:
        if a.startswith("="):          # an institution, saved as a single field
            out.append({"creatorType": "author", "name": a[1:]})
        else:
            first, last = split_name(a)
            out.append({"creatorType": "author", "firstName": first, "lastName": last})
    return out


def blank(item_type: str) -> dict:
    return {"itemType": item_type, "title": "", "creators": [],
            **{f: "" for f in FIELDS[item_type] if f != "title"}}


def stamp(item: dict, pid: str) -> dict:
    day = 1 + h(pid, "day") % 28
    month = 1 + h(pid, "month") % 9
    item["accessDate"] = item.get("accessDate") or f"2025-{month:02d}-{day:02d}T{h(pid) % 24:02d}:{h(pid, 'm') % 60:02d}:00Z"
    item.update(tags=[], collections=[], relations={},
                dateAdded=item["accessDate"], dateModified=item["accessDate"])
    return item


def arxiv_year(arxiv: str) -> int:
    return 2000 + int(arxiv[:2])


def short_title(title: str) -> str:
    return title.split(":")[0] if ":" in title and len(title.split(":")[0]) < len(title) else ""


def pages_dash(p: str | None, dash: str = "–") -> str:
    return (p or "").replace("-", dash)


def zotero_item(p: dict) -> dict:
    """The item as the Zotero Connector saves it from the page `p['src']` names."""
    src, v, y = p["src"], p.get("venue"), p.get("year")
    T = p["title"]
    if src == "arxiv":
        a = p["arxiv"]
        it = blank("preprint")
        it.update(title=T, repository="arXiv", archiveID=f"arXiv:{a}", DOI=f"10.48550/arXiv.{a}",
                  url=f"http://arxiv.org/abs/{a}", libraryCatalog="arXiv.org", date=p.get("adate") or str(arxiv_year(a)),
                  extra=f"arXiv:{a} [{p.get('cat', 'cs')}]", shortTitle=short_title(T))
    elif src == "acm":
        proc, event, acro, loc, month = ACM[(v, y)]
        it = blank("conferencePaper")
        it.update(title=T, proceedingsTitle=proc, conferenceName=event if p.get("event", True) else "",
                  publisher="Association for Computing Machinery" if event else "IEEE Press",
                  place="New York, NY, USA" if event else loc,
                  date=f"{y}-{month:02d}", pages=pages_dash(p.get("pages")), series=acro, DOI=p["doi"],
                  url=f"https://dl.acm.org/doi/{p['doi']}", libraryCatalog="ACM Digital Library",
                  shortTitle=short_title(T))
    elif src == "ieee":
        proc, loc, month = IEEE[(v, y)]
        it = blank("conferencePaper")
        it.update(title=T, proceedingsTitle=proc, conferenceName=proc, date=f"{y}-{month:02d}",
                  pages=pages_dash(p.get("pages"), "-"), DOI=p["doi"], ISSN=p.get("issn", ""),
                  url=f"https://ieeexplore.ieee.org/document/{p['ieee']}" if p.get("ieee") else "",
                  libraryCatalog="IEEE Xplore", shortTitle=short_title(T))
        if p.get("ieee") is None:
            it["url"] = f"https://doi.org/{p['doi']}"
    elif src == "usenix":
        it = blank("conferencePaper")
        it.update(title=T, proceedingsTitle=usenix_proc(v, y), date=str(y), pages=pages_dash(p.get("pages"), "-"),
                  url=usenix_url(p), language="en", libraryCatalog="www.usenix.org", shortTitle=short_title(T))
    elif src in ("neurips", "pmlr", "iclr", "mlsys"):
        it = blank("conferencePaper")
        it.update(title=T, date=str(y), pages=pages_dash(p.get("pages"), "-"), url=p.get("url", ""),
                  shortTitle=short_title(T))
        it.update(ml_proc(v, y))
    elif src == "ndss":
        it = blank("conferencePaper")
        it.update(title=T, proceedingsTitle=f"Proceedings {y} Network and Distributed System Security Symposium",
                  publisher="Internet Society", place=p.get("place", ""), date=str(y), DOI=p["doi"],
                  url=f"https://doi.org/{p['doi']}", language="en", libraryCatalog="DOI.org (Crossref)",
                  conferenceName="Network and Distributed System Security Symposium", shortTitle=short_title(T))
    elif src == "journal":
        J = VENUES[v]
        it = blank("journalArticle")
        it.update(title=T, publicationTitle=J["journal"], date=p.get("date") or str(y), volume=str(p.get("vol", "")),
                  issue=str(p.get("issue", "")), pages=pages_dash(p.get("pages"), "-" if J["pub"] == "ieee" else "–"),
                  DOI=p.get("doi", ""), ISSN=J["issn"], shortTitle=short_title(T),
                  journalAbbreviation=J.get("short", "") if J["pub"] in ("acm", "springer", "nature") else
                  (J["journal"] if J["pub"] == "ieee" else ""),
                  url=p.get("url") or (f"https://doi.org/{p['doi']}" if p.get("doi") else ""),
                  libraryCatalog={"acm": "ACM Digital Library", "ieee": "IEEE Xplore", "elsevier": "ScienceDirect",
                                  "springer": "Springer Link", "nature": "www.nature.com", "jmlr": "jmlr.org",
                                  "tmlr": "openreview.net", "vldb": "www.vldb.org"}[J["pub"]],
                  publisher={"elsevier": "Elsevier", "vldb": "VLDB Endowment"}.get(J["pub"], ""))
        if J["pub"] in ("springer", "nature", "jmlr", "tmlr"):
            it["language"] = "en"
    elif src == "blog":
        it = blank("blogPost")
        it.update(title=T, blogTitle=p["site"], date=p["date"], url=p["url"], language="en-US")
    elif src == "web":
        it = blank("webpage")
        it.update(title=T, websiteTitle=p["site"], date=p.get("date", ""), url=p["url"], language="en")
    elif src == "thesis":
        it = blank("thesis")
        it.update(title=T, thesisType=p["ttype"], university=p["univ"], place=p.get("place", ""), date=str(y),
                  url=p.get("url", ""), libraryCatalog=p.get("catalog", ""), language="en")
    elif src == "report":
        it = blank("report")
        it.update(title=T, institution=p["inst"], reportType=p.get("rtype", ""), reportNumber=p.get("rnum", ""),
                  date=p.get("date") or str(y), DOI=p.get("doi", ""), url=p.get("url", ""),
                  place=p.get("place", ""), language="en")
    elif src == "book":
        it = blank("book")
        it.update(title=T, publisher=p["publisher"], place=p.get("place", ""), date=str(y), ISBN=p.get("isbn", ""),
                  series=p.get("series", ""), url=p.get("url", ""), language="en")
    elif src == "pdf":          # a PDF link: the Connector saves what little the file says
        it = blank("conferencePaper")
        it.update(title=T, url=p["url"], libraryCatalog="")
        p = {**p, "nocreators": True}
    else:
        raise KeyError(src)
    if not p.get("nocreators"):
        it["creators"] = creators(p["authors"])
    if src not in ("pdf", "arxiv", "blog", "web") and not it.get("abstractNote"):
        it["abstractNote"] = ""
    for k, val in p.get("zotero", {}).items():      # explicit overrides of what the page gave
        it[k] = val
    return stamp(it, p["id"])


def usenix_url(p: dict) -> str:
    slug = USENIX_SLUG[p["venue"]] + f"{p['year'] % 100:02d}"
    who = p.get("slug") or ascii_fold(split_name(p["authors"][0])[1]).lower()
    return f"https://www.usenix.org/conference/{slug}/presentation/{who}"


# ---- Crossref ------------------------------------------------------------------------------------------

PUBLISHERS = {"acm": ("ACM", "320"), "ieee": ("IEEE", "263"), "elsevier": ("Elsevier BV", "78"),
              "springer": ("Springer Science and Business Media LLC", "297"),
              "nature": ("Springer Science and Business Media LLC", "297"), "vldb": ("VLDB Endowment", None),
              "ndss": ("Internet Society", None), "nist": ("National Institute of Standards and Technology", None)}


def crossref_authors(authors: list[str]) -> list[dict]:
    out = []
    for i, a in enumerate(authors):
        if a.startswith("="):
            out.append({"name": a[1:], "sequence": "first" if i == 0 else "additional", "affiliation": []})
            continue
        given, family = split_name(a)
        out.append({"given": given, "family": family, "sequence": "first" if i == 0 else "additional",
                    "affiliation": []})
    return out


def crossref_work(p: dict) -> dict | None:
    doi = p.get("doi")
    if not doi or doi.startswith("10.48550/") or p.get("crossref") is False:
        return None
    src, v, y = p.get("xsrc", p["src"]), p.get("venue"), p.get("year")
    pub = {"acm": "acm", "ieee": "ieee", "ndss": "ndss"}.get(src) or p.get("pub") or (VENUES[v]["pub"] if v in VENUES and "pub" in VENUES[v] else "acm")
    publisher, member = PUBLISHERS[pub]
    issued = p.get("issued") or [y, p.get("month") or (ACM.get((v, y)) or (None,) * 5)[4] or (IEEE.get((v, y)) or (None,) * 3)[2]]
    issued = [x for x in issued if x]
    w = {"DOI": doi, "URL": f"https://doi.org/{doi}", "prefix": doi.split("/")[0], "publisher": publisher,
         "title": [p["title"]], "author": crossref_authors(p["authors"]), "issued": {"date-parts": [issued]},
         "is-referenced-by-count": h(doi, "cites") % 900, "source": "Crossref", "score": 1,
         "reference-count": h(doi, "refs") % 60, "resource": {"primary": {"URL": p.get("landing") or f"https://doi.org/{doi}"}},
         "language": "en"}
    if member:
        w["member"] = member
    if src == "acm":
        proc, event, acro, loc, month = ACM[(v, y)]
        w.update(type="proceedings-article", **{"container-title": [proc]},
                 event={"name": event, "location": loc, "acronym": acro})
    elif src == "ieee":
        proc, loc, month = IEEE[(v, y)]
        w.update(type="proceedings-article", **{"container-title": [proc]}, event={"name": proc, "location": loc})
    elif src == "ndss":
        w.update(type="proceedings-article", **{"container-title": [f"Proceedings {y} Network and Distributed System Security Symposium"]},
                 event={"name": f"Network and Distributed System Security Symposium", "location": p.get("place", "")})
    elif p.get("ctype") == "report":
        w.update(type="report", **{"container-title": []})
    else:
        J = VENUES[v]
        w.update(type="journal-article", **{"container-title": [J["journal"]], "short-container-title": [J.get("short", J["journal"])]},
                 ISSN=[J["issn"]])
        if p.get("vol"):
            w["volume"] = str(p["vol"])
        if p.get("issue"):
            w["issue"] = str(p["issue"])
    if p.get("pages"):
        w["page"] = p["pages"]
    for k, val in p.get("crossref_extra", {}).items():
        w[k] = val
    return w


# ---- DBLP ---------------------------------------------------------------------------------------------

def dblp_key(stream: str, authors: list[str], year: int) -> str:
    people = [a for a in authors if not a.startswith("=")]
    if not people:
        return f"{stream}/X{year % 100:02d}"
    head = ascii_fold(split_name(people[0])[1])
    initials = "".join(ascii_fold(split_name(a)[1])[:1].upper() for a in people[1:10])
    return f"{stream}/{head}{initials}{year % 100:02d}"


def dblp_authors(authors: list[str]) -> dict:
    people = [{"@pid": f"{h(a, 'pid') % 300}/{h(a, 'pid2') % 9000 + 1000}", "text": a} for a in authors
              if not a.startswith("=")]
    return {"author": people[0] if len(people) == 1 else people}


def dblp_title(title: str) -> str:
    return title if title.endswith((".", "?", "!")) else title + "."


def dblp_hit(rec: dict, score: int) -> dict:
    """One hit of /search/publ/api in DBLP's JSON shape. rec: title, authors, venue, year, ..."""
    v = rec["venue"]
    info = {"authors": dblp_authors(rec["authors"]), "title": dblp_title(rec["title"])}
    if v == "CoRR":
        a = rec["arxiv"]
        info.update(venue="CoRR", volume=f"abs/{a}", year=str(arxiv_year(a)), type="Informal and Other Publications",
                    access="open", key=f"journals/corr/abs-{a.replace('.', '-')}", doi=f"10.48550/ARXIV.{a}",
                    ee=f"https://arxiv.org/abs/{a}")
    elif v == "book":
        info.update(venue=rec.get("series", ""), publisher=rec["publisher"], year=str(rec["year"]), type="Books and Theses",
                    access="closed", key=f"books/daglib/{h(rec['title']) % 10**7:07d}", ee=rec.get("url", ""))
        info = {k: x for k, x in info.items() if x != ""}
    else:
        V = VENUES[v]
        journal = "journal" in V
        info["venue"] = rec.get("dblp_venue") or V["dblp"]
        if rec.get("vol"):
            info["volume"] = str(rec["vol"])
        if rec.get("issue"):
            info["number"] = str(rec["issue"])
        if rec.get("pages"):
            info["pages"] = rec["pages"]
        info.update(year=str(rec["year"]), type="Journal Articles" if journal else "Conference and Workshop Papers",
                    access="open" if not rec.get("doi") or v in ("PVLDB",) else "closed",
                    key=rec.get("key") or dblp_key(V["stream"], rec["authors"], rec["year"]))
        if rec.get("doi"):
            info.update(doi=rec["doi"], ee=f"https://doi.org/{rec['doi']}")
        elif rec.get("ee"):
            info["ee"] = rec["ee"]
    info["url"] = f"https://dblp.org/rec/{info['key']}"
    num = h(info["key"]) % 9_000_000 + 1_000_000
    return {"@score": str(score), "@id": str(num), "info": info, "url": f"URL#{num}"}


def dblp_for(p: dict) -> list[dict]:
    """DBLP's hits for the item's title: the paper (and its CoRR version), plus any near misses."""
    if p.get("dblp") is False:
        return []
    hits = []
    base = dict(title=p.get("dblp_title", p["title"]), authors=p["authors"], year=p.get("dblp_year", p.get("year")),
                venue=p.get("venue"), pages=p.get("pages"), doi=p.get("doi") if p["src"] != "arxiv" else p.get("pubdoi"),
                vol=p.get("vol"), issue=p.get("issue"), dblp_venue=p.get("dblp_venue"))
    if p["src"] == "usenix":
        base["ee"] = usenix_url(p)
    if p["src"] == "arxiv":
        pub = p.get("published")
        if pub:
            hits.append(dblp_hit({**base, **pub, "authors": pub.get("authors", p["authors"]),
                                  "ee": usenix_url({**p, **pub}) if pub["venue"] in USENIX_SLUG else pub.get("ee")}, 12))
        hits.append(dblp_hit({**base, "venue": "CoRR", "arxiv": p["arxiv"]}, 10))
    elif p.get("venue") in VENUES and VENUES[p["venue"]].get("stream") and p["src"] not in ("blog", "web", "thesis", "report"):
        hits.append(dblp_hit(base, 12))
        if p.get("arxiv"):
            hits.append(dblp_hit({**base, "venue": "CoRR", "arxiv": p["arxiv"]}, 10))
    elif p["src"] == "thesis" and p.get("dblp_thesis"):
        hits.append(dblp_hit({**base, "venue": "book", "publisher": p["univ"], "url": p.get("url", "")}, 12))
    for d in p.get("decoys", []):
        hits.append(dblp_hit(d, 6))
    return hits


# ---- a group ------------------------------------------------------------------------------------------

def paper(p: dict) -> dict:
    exp = dict(label=p["label"], year=p["exp_year"] if "exp_year" in p else p.get("year"),
               published_label=p.get("published_label"), note=p.get("note"))
    if "curator" in p:
        exp["curator"] = p["curator"]
    out = {"id": p["id"], "category": p["cat_"], "expected": exp, "zotero": zotero_item(p),
           "crossref": crossref_work(p), "dblp": dblp_for(p), "trap": p.get("trap")}
    pub = p.get("published") or {}
    if p["src"] == "arxiv" and pub.get("doi"):
        # What Crossref says for the published version's DOI, once DBLP has led the pipeline to it.
        kind = "journal" if "journal" in VENUES[pub["venue"]] else ("acm" if pub["doi"].startswith("10.1145/") else "ieee")
        out["crossref_published"] = crossref_work({**p, **pub, "src": kind, "authors": pub.get("authors", p["authors"])})
    if p.get("sections"):
        out["sections"] = p["sections"]
        out["list_title"] = p.get("list_title", p["title"])
    return out


def build(group: str, papers: list[dict], about: dict) -> dict:
    return {**about, "group": group, "papers": [paper(p) for p in papers]}


def main() -> None:
    from tests.data.labelset import facts
    for group, (papers, about) in facts.GROUPS.items():
        doc = build(group, papers, about)
        (HERE / f"{group}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(group, len(doc["papers"]))


if __name__ == "__main__":
    main()
