"""Generated CSV files of profiles, with a known set of bad rows."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

HEADER = ["email", "first_name", "last_name", "location_city", "properties.plan", "phone_number"]


@dataclass
class People:
    """What a generated file holds: good emails by row, and the numbers of the bad rows."""

    path: Path
    good: dict[int, str] = field(default_factory=dict)
    bad: dict[int, str] = field(default_factory=dict)

    def email_of(self, row: int) -> str:
        return self.good.get(row) or self.bad[row]


def write_people(path: Path, rows: int, bad_every: int = 100) -> People:
    """``rows`` data rows; every ``bad_every``-th is bad in one of three ways.

    Kinds of bad rows: a malformed email and a phone number that is not E.164 (both refused
    by the server with 400), and a row with a missing cell (refused before sending).
    """
    people = People(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            email = f"person{number:06d}@example.com"
            city = "Paris" if number % 3 else ""  # empty cell: left unchanged
            cells = [email, f"First{number}", "Last", city, "pro", ""]
            if number % bad_every == 0:
                kind = (number // bad_every) % 3
                if kind == 0:
                    email = f"not-an-email-{number}"
                    cells[0] = email
                elif kind == 1:
                    cells[5] = "12345"
                else:
                    cells = cells[:-2]
                people.bad[number] = email
            else:
                people.good[number] = email
            writer.writerow(cells)
    return people


def read_reject_rows(path: Path) -> list[int]:
    """Row numbers listed in a CSV reject file, in file order."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return [int(entry["row"]) for entry in reader]
