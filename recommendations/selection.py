"""The staff's "selected products" while composing a recommendation: kept in the session per member."""


def _key(merchant, member) -> str:
    return f"reco_selection:{merchant.pk}:{member.pk}"


def selection_get(session, *, merchant, member) -> list[int]:
    return list(session.get(_key(merchant, member), []))


def selection_add(session, *, merchant, member, variation_id: int, replace: int | None = None) -> list[int]:
    ids = selection_get(session, merchant=merchant, member=member)
    if replace is not None and replace in ids:
        position = ids.index(replace)
        ids[position] = variation_id
        ids = list(dict.fromkeys(ids))
    elif variation_id not in ids:
        ids.append(variation_id)
    session[_key(merchant, member)] = ids
    return ids


def selection_remove(session, *, merchant, member, variation_id: int) -> list[int]:
    ids = [pk for pk in selection_get(session, merchant=merchant, member=member) if pk != variation_id]
    session[_key(merchant, member)] = ids
    return ids


def selection_clear(session, *, merchant, member) -> None:
    session.pop(_key(merchant, member), None)
