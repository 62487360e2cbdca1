"""Realistic first-name pseudonyms, for users who prefer them to [PERSON 1].

Drawn in this fixed order (so a re-run gives the same names) and never reused
within a key; a name that is also one of the study's real names is skipped.
Mixed on purpose across languages and regions, like the studies that use it.
"""

from __future__ import annotations

__all__ = ["PSEUDONYMS"]

PSEUDONYMS: tuple[str, ...] = tuple(
    """Alex Amara Bayo Carmen Dara Elif Farah Gabriel Hana Idris Jamie Kemi Lena Mateo
    Nadia Omar Priya Quinn Rosa Sami Tala Umar Vera Wren Yara Zane Ada Bilal Cleo Dev
    Esi Felix Gita Hugo Ines Jonah Kiri Leon Mira Nico Olu Pia Rafael Sana Teo Uma
    Vikram Wanjiru Xavier Yusuf Zara Aiko Bruno Chidi Dilnoza Emeka Fatou Gustavo Hiroshi
    Ilse Joaquin Kavya Lars Maile Nkechi Oskar Paloma Rahim Selin Tomas Ulla Valentina
    Wiremu Ximena Yosef Zeynep Anika Benedikt Camila Davi Eero Femi Greta Haruto Imani
    Jasper Keanu Liesel Malik Noor Orla Pedro Rania Soren Thandi Ugo Vivek Wilhelmina
    Yaw Zuri Akosua Basil Cosima Dmitri Esme Farid Giulia Hamza Isla Jun Kofi Linnea
    Mehmet Niamh Obi Pilar Ravi Sunniva Tariq Ursula Vusi Willa Yannick Zofia""".split()
)
