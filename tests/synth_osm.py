"""Write small synthetic OpenStreetMap XML files and the same road graph for networkx.

The networkx graph is the oracle of the routing tests: the same nodes and ways, edge lengths by
the haversine formula on GraphHopper's earth radius, and GraphHopper 11's car speeds, so that
shortest paths on it must agree with GraphHopper's routes.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

EARTH_RADIUS_M = 6_371_000.0  # GraphHopper's DistanceCalcEarth.R
# GraphHopper's car.json picks the route of least time + 90 s per km (distance_influence 90)
DISTANCE_INFLUENCE_S_PER_KM = 90.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def car_kmh(maxspeed: int) -> float:
    """GraphHopper 11's car speed for a posted limit: 90 % of it, stored in steps of 2 km/h.

    Only limits whose 90 % is an even number are used, so no rounding rule is assumed.
    """
    kmh = 0.9 * maxspeed
    assert kmh == int(kmh) and int(kmh) % 2 == 0, f"use a maxspeed with an even 90 %: {maxspeed}"
    return kmh


class Osm:
    def __init__(self) -> None:
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[list[int], dict[str, str]]] = []
        self._where: dict[tuple[float, float], int] = {}

    def node(self, lat: float, lon: float) -> int:
        key = (round(lat, 7), round(lon, 7))
        if key not in self._where:
            self._where[key] = len(self.nodes) + 1
            self.nodes[self._where[key]] = key
        return self._where[key]

    def way(self, points: list[tuple[float, float]], highway: str, maxspeed: int,
            **tags: str) -> list[int]:
        ids = [self.node(lat, lon) for lat, lon in points]
        self.ways.append((ids, {"highway": highway, "maxspeed": str(maxspeed), **tags}))
        return ids

    def grid(self, lat0: float, lon0: float, n: int, dlat: float, dlon: float,
             maxspeed: int = 40) -> list[list[tuple[float, float]]]:
        """An n x n grid of residential streets; returns the node positions [row][col]."""
        pos = [[(round(lat0 + i * dlat, 7), round(lon0 + j * dlon, 7)) for j in range(n)]
               for i in range(n)]
        for i in range(n):
            self.way(pos[i], "residential", maxspeed)
        for j in range(n):
            self.way([pos[i][j] for i in range(n)], "residential", maxspeed)
        return pos

    def write(self, path: Path) -> Path:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<osm version="0.6" generator="oncoregio tests">']
        lines += [f'  <node id="{i}" version="1" lat="{lat}" lon="{lon}"/>'
                  for i, (lat, lon) in self.nodes.items()]
        for k, (ids, tags) in enumerate(self.ways, start=1):
            lines.append(f'  <way id="{k}" version="1">')
            lines += [f'    <nd ref="{i}"/>' for i in ids]
            lines += [f'    <tag k="{key}" v="{value}"/>' for key, value in tags.items()]
            lines.append("  </way>")
        lines.append("</osm>")
        path.write_text("\n".join(lines) + "\n")
        return path

    def graph(self) -> nx.DiGraph:
        """Directed road graph: ``seconds``, ``metres`` and GraphHopper's ``weight`` per edge.

        Ways tagged ``oneway=yes`` are one-way in the drawing direction.
        """
        g = nx.DiGraph()
        for ids, tags in self.ways:
            kmh = car_kmh(int(tags["maxspeed"]))
            oneway = tags.get("oneway") == "yes"
            for u, v in zip(ids, ids[1:], strict=False):
                m = metres(self.nodes[u], self.nodes[v])
                s = m / (kmh / 3.6)
                attrs = {"metres": m, "seconds": s,
                         "weight": s + DISTANCE_INFLUENCE_S_PER_KM * m / 1000}
                g.add_edge(u, v, **attrs)
                if not oneway:
                    g.add_edge(v, u, **attrs)
        return g

    def route(self, g: nx.DiGraph, a: tuple[float, float],
              b: tuple[float, float]) -> tuple[float, float] | None:
        """(minutes, km) of GraphHopper's choice from node ``a`` to node ``b``; None if none."""
        try:
            path = nx.shortest_path(g, self._where[a], self._where[b], weight="weight")
        except nx.NetworkXNoPath:
            return None
        edges = list(zip(path, path[1:], strict=False))
        return (sum(g.edges[e]["seconds"] for e in edges) / 60,
                sum(g.edges[e]["metres"] for e in edges) / 1000)
