"""A customer's ownership for the risk profile: the holdings above an organisation as a tree
(walked breadth-first, a level per query), and the engine's look-through of them
(compliance/engine/ownership.py): effective shares along paths, control, the owners named
(>= 25% or in control), and the flags (deep chain, cycle, nominee)."""

from __future__ import annotations

from compliance.engine.ownership import SEARCH_DEPTH_LIMIT


def _edges_above(root_id: int) -> list[tuple]:
    from customers.models import BeneficialOwner

    edges, frontier, seen = [], {root_id}, {root_id}
    for _ in range(SEARCH_DEPTH_LIMIT):
        rows = list(
            BeneficialOwner.objects.filter(organisation_id__in=frontier).values_list(
                "organisation_id", "owner_id", "share_pct", "control"
            )
        )
        if not rows:
            break
        edges += rows
        frontier = {r[1] for r in rows} - seen
        seen |= frontier
        if not frontier:
            break
    return edges


def for_customer(customer) -> dict:
    import pandas as pd

    from compliance.engine.ownership import look_through
    from customers.models import BeneficialOwner, Customer

    holdings = list(
        BeneficialOwner.objects.filter(owner=customer).select_related("organisation").order_by("-share_pct")
    )
    if customer.kind != Customer.Kind.ORGANISATION:
        return {"holdings": holdings, "tree": None}
    edges = _edges_above(customer.pk)
    ids = {customer.pk} | {e[0] for e in edges} | {e[1] for e in edges}
    people = {c.pk: c for c in Customer.objects.filter(pk__in=ids).only("pk", "customer_ref", "name", "kind")}
    by_org: dict[int, list[tuple]] = {}
    for org, owner, share, control in edges:
        by_org.setdefault(org, []).append((owner, share, control))

    def node(pk: int, share=None, control=False, path=(), depth=0) -> dict:
        c = people[pk]
        cycle = pk in path
        children = (
            []
            if cycle or depth > SEARCH_DEPTH_LIMIT
            else [
                node(o, s, ctl, (*path, pk), depth + 1) for o, s, ctl in sorted(by_org.get(pk, []), key=lambda x: -x[1])
            ]
        )
        return {"customer": c, "share": share, "control": control, "children": children, "cycle": cycle, "depth": depth}

    result = {"holdings": holdings, "tree": node(customer.pk), "owners": [], "flags": "", "edges": len(edges)}
    if not edges:
        result["flags"] = "no beneficial owners on file"
        return result
    frame = pd.DataFrame(
        [(people[o].customer_ref, people[w].customer_ref, float(s), bool(c)) for o, w, s, c in edges],
        columns=["organisation_ref", "owner_ref", "share_pct", "control"],
    )
    customers = pd.DataFrame(
        [(c.customer_ref, c.kind, c.name) for c in people.values()], columns=["customer_ref", "kind", "name"]
    )
    out = look_through(frame, customers)
    owners = out["all_owners"]
    owners = owners[owners["organisation_ref"] == customer.customer_ref].sort_values("effective_pct", ascending=False)
    by_ref = {c.customer_ref: c for c in people.values()}
    result["owners"] = [
        {
            "customer": by_ref[r.owner_ref],
            "effective_pct": r.effective_pct,
            "control": bool(r.control),
            "depth": int(r.depth),
            "paths": int(r.paths),
            "named": bool(r.named),
            "nominee": bool(r.nominee),
        }
        for r in owners.itertuples(index=False)
    ]
    org = out["organisations"]
    row = org[org["organisation_ref"] == customer.customer_ref]
    if len(row):
        result["flags"] = row["reasons"].iloc[0]
        result["max_depth"] = int(row["max_depth"].iloc[0])
    return result
