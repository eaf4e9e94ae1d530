"""Snap places to the road network and route every area to every hospital over GraphHopper.

Method: one via-route request per hospital and batch of areas, on the contraction hierarchy (CH)
of the profile. The request's points alternate area and hospital (``a1, h, a2, h, ..., an, h``)
and ask for the path details ``leg_time`` and ``leg_distance``, which give the time and length of
every leg; the legs ``a_i -> h`` are the answers, the legs ``h -> a_i+1`` are discarded. Without
turn costs, curbsides, headings or ``pass_through``, GraphHopper routes every leg of a via route
as its own CH query between the same snapped points as a single ``/route`` request would, so a
leg equals that request's answer (tested against single routes on the tests' synthetic OSM
within 6 ms and 1 m; differences of 1-3 ms were seen, from the rounding of an edge's time where
another place of the same request splits that edge). The geometry, which path details
require, is simplified away (``way_point_max_distance`` far beyond any route), so a response
carries a few bytes per leg. One request then answers ~100 pairs: the per-request cost
of HTTP, JSON, snapping and GraphHopper's request handling is paid once per batch instead of once
per pair. When a batch has no route (some leg between two places that are not connected), it is
split in halves until the pairs without a route are single ``/route`` requests.

Why not the shortest-path-tree endpoint (``/spt``), one call per hospital? It answers for the
graph's nodes, not for our snapped places (an area mid-edge would have to be interpolated from
the edge's two nodes); it runs a plain Dijkstra over the whole graph without CH and streams every
reachable node (millions of CSV rows per hospital for the Netherlands); and from a hospital it
gives hospital -> area times unless ``reverse_flow`` is set.

The former method, one ``/route`` request per pair (:meth:`RouteClient.route`), stays for single
pairs and as the bench's baseline (``route_columns(..., batch=1)``).

Snapping: a route from a place to itself snaps it exactly as the pair routes will; its
``snapped_waypoints`` give the snapped position, hence the snapping distance.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass

from app.routing.graphhopper import RoutingError

__all__ = ["Place", "Snap", "Leg", "RouteClient", "decode_polyline", "route_columns",
           "snap_places"]

NO_ROUTE = "com.graphhopper.util.exceptions.ConnectionNotFoundException"
# areas per via-route request: ~100 pairs per request; the request and response stay small
BATCH = 100
# Douglas-Peucker tolerance (m) that removes every shape point of a leg (legs keep their ends)
NO_GEOMETRY_M = 1e9
NOT_FOUND = ("com.graphhopper.util.exceptions.PointNotFoundException",
             "com.graphhopper.util.exceptions.PointOutOfBoundsException")


@dataclass(frozen=True)
class Place:
    id: str
    lat: float
    lon: float
    kind: str  # "area" or "hospital"


@dataclass(frozen=True)
class Snap:
    """Where a place lands on the road network; ``distance_m`` None when nothing was found."""

    place: Place
    lat: float | None
    lon: float | None
    distance_m: float | None
    reason: str = ""

    def within(self, threshold_m: float) -> bool:
        return self.distance_m is not None and self.distance_m <= threshold_m


@dataclass(frozen=True)
class Leg:
    """The fastest route of one pair: minutes and road km, or None when there is no route."""

    minutes: float | None
    km: float | None


def decode_polyline(text: str, multiplier: float = 1e5) -> list[tuple[float, float]]:
    """Decode an encoded polyline (GraphHopper's ``points_encoded``) into (lat, lon) pairs.

    >>> decode_polyline("_p~iF~ps|U_ulLnnqC")
    [(38.5, -120.2), (40.7, -120.95)]
    """
    values: list[int] = []
    current = shift = 0
    for char in text:
        b = ord(char) - 63
        current |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(current >> 1) if current & 1 else current >> 1)
            current = shift = 0
    points: list[tuple[float, float]] = []
    lat = lon = 0
    for i in range(0, len(values) - 1, 2):
        lat += values[i]
        lon += values[i + 1]
        points.append((round(lat / multiplier, 6), round(lon / multiplier, 6)))
    return points


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(a)))


class RouteClient:
    """Keep-alive HTTP client for one thread against a GraphHopper server on loopback."""

    def __init__(self, port: int, profile: str, timeout: float = 60.0) -> None:
        self.port, self.profile, self.timeout = port, profile, timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _get(self, a: Place, b: Place) -> tuple[int, dict]:
        query = urllib.parse.urlencode(
            [("point", f"{a.lat},{a.lon}"), ("point", f"{b.lat},{b.lon}"),
             ("profile", self.profile), ("calc_points", "false"), ("instructions", "false"),
             ("elevation", "false")])
        return self._request("GET", f"/route?{query}", None)

    def _request(self, method: str, url: str, body: bytes | None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (0, 1):  # one reconnect: the server may close an idle connection
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=self.timeout)
            try:
                self._conn.request(method, url, body=body, headers=headers)
                resp = self._conn.getresponse()
                body = resp.read()
                return resp.status, json.loads(body or b"{}")
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.close()
                if attempt:
                    raise RoutingError(f"GraphHopper on 127.0.0.1:{self.port} stopped answering:"
                                       f" {e}") from e
        raise AssertionError("unreachable")

    @staticmethod
    def _hint(body: dict) -> tuple[str, int | None, str]:
        hints = body.get("hints") or [{}]
        first = hints[0] if isinstance(hints, list) and hints else {}
        return (str(first.get("details", "")), first.get("point_index"),
                str(body.get("message", "")))

    def route(self, a: Place, b: Place) -> Leg:
        """The fastest route from ``a`` to ``b`` (both already known to snap)."""
        status, body = self._get(a, b)
        if status == 200:
            path = body["paths"][0]
            return Leg(float(path["time"]) / 60000.0, float(path["distance"]) / 1000.0)
        details, _, message = self._hint(body)
        if details == NO_ROUTE:
            return Leg(None, None)
        raise RoutingError(f"GraphHopper refused the route {a.id} -> {b.id}: {message}")

    def column(self, areas: Sequence[Place], hospital: Place,
               no_route: set[str] | None = None) -> list[Leg]:
        """The fastest route from each of ``areas`` to ``hospital``, by one via-route request
        (see the module docstring); split in halves where a batch has no route. The ids of
        areas found without a route are added to ``no_route``."""
        if not areas:
            return []
        if len(areas) == 1:
            leg = self.route(areas[0], hospital)
            if leg.minutes is None and no_route is not None:
                no_route.add(areas[0].id)
            return [leg]
        points: list[list[float]] = []
        for a in areas:
            points += [[a.lon, a.lat], [hospital.lon, hospital.lat]]
        body = json.dumps({"points": points, "profile": self.profile, "calc_points": True,
                           "instructions": False, "elevation": False, "points_encoded": True,
                           "details": ["leg_time", "leg_distance"],
                           "way_point_max_distance": NO_GEOMETRY_M}).encode()
        status, answer = self._request("POST", "/route", body)
        if status == 200:
            details = answer["paths"][0].get("details", {})
            times, dists = details.get("leg_time", []), details.get("leg_distance", [])
            legs = 2 * len(areas) - 1
            if len(times) != legs or len(dists) != legs:
                raise RoutingError(f"GraphHopper returned {len(times)} leg times and "
                                   f"{len(dists)} leg distances for {legs} legs to "
                                   f"{hospital.kind} {hospital.id}")
            return [Leg(float(times[2 * i][2]) / 60000.0, float(dists[2 * i][2]) / 1000.0)
                    for i in range(len(areas))]
        details, _, message = self._hint(answer)
        if details == NO_ROUTE:
            half = len(areas) // 2
            return (self.column(areas[:half], hospital, no_route)
                    + self.column(areas[half:], hospital, no_route))
        raise RoutingError(f"GraphHopper refused the routes to {hospital.kind} {hospital.id}: "
                           f"{message}")

    def snap(self, place: Place) -> Snap:
        status, body = self._get(place, place)
        if status == 200:
            points = decode_polyline(body["paths"][0].get("snapped_waypoints", ""),
                                     float(body["paths"][0].get("points_encoded_multiplier",
                                                                1e5)))
            if points:
                lat, lon = points[0]
                return Snap(place, lat, lon, round(_metres(place.lat, place.lon, lat, lon), 1))
            return Snap(place, None, None, None, "no snapped position returned")
        details, _, message = self._hint(body)
        if details in NOT_FOUND:
            reason = ("outside the extract" if details.endswith("OutOfBoundsException")
                      else "no road within the search radius")
            return Snap(place, None, None, None, reason)
        raise RoutingError(f"GraphHopper could not snap {place.kind} {place.id}: {message}")


def snap_places(port: int, profile: str, places: Sequence[Place], *, workers: int = 4,
                progress: Callable[[int], None] | None = None) -> list[Snap]:
    """Snap every place (in order); ``progress(n)`` after each ``n`` places."""
    local = threading.local()
    clients: list[RouteClient] = []
    lock = threading.Lock()

    def one(place: Place) -> Snap:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = RouteClient(port, profile)
            with lock:
                clients.append(client)
        snap = client.snap(place)
        if progress is not None:
            progress(1)
        return snap

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, places))
    finally:
        for c in clients:
            c.close()


def _batched(client: RouteClient, areas: Sequence[Place], hospital: Place, batch: int,
             suspects: set[str]) -> list[Leg]:
    """Legs of ``areas`` to ``hospital`` in area order: suspects singly, the others batched."""
    single = {a.id: client.route(a, hospital) for a in areas if a.id in suspects}
    rest = [a for a in areas if a.id not in single]
    batched: list[Leg] = []
    for k in range(0, len(rest), batch):
        batched.extend(client.column(rest[k:k + batch], hospital, suspects))
    it = iter(batched)
    return [single[a.id] if a.id in single else next(it) for a in areas]


def route_columns(port: int, profile: str, areas: Sequence[Place], hospitals: Sequence[Place],
                  *, on_column: Callable[[Place, list[Leg]], None], workers: int = 4,
                  batch: int = BATCH, progress: Callable[[int], None] | None = None) -> None:
    """Route every area to each hospital; call ``on_column(hospital, legs)`` (legs in area
    order) as each hospital's column completes, so a caller can checkpoint it.

    ``batch`` areas go in one via-route request; ``batch=1`` is one ``/route`` per pair. An area
    once found without a route to some hospital (another component of the road network, as a
    rule) is routed by single requests from then on, so that it does not split every batch."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    stop = threading.Event()
    suspects: set[str] = set()  # set.add and membership are atomic under the GIL

    def column(hospital: Place) -> None:
        client = RouteClient(port, profile)
        legs: list[Leg] = []
        try:
            step = max(batch, 100)  # progress and interruption checks every >= 100 pairs
            for start in range(0, len(areas), step):
                if stop.is_set():
                    return
                chunk = areas[start:start + step]
                if batch == 1:
                    legs.extend(client.route(area, hospital) for area in chunk)
                else:
                    legs.extend(_batched(client, chunk, hospital, batch, suspects))
                if progress is not None:
                    progress(len(chunk))
        finally:
            client.close()
        on_column(hospital, legs)

    pool = ThreadPoolExecutor(max_workers=workers)
    futures = [pool.submit(column, h) for h in hospitals]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            f.result()  # re-raise the first failure
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
