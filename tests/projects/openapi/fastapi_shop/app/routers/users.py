from fastapi import APIRouter, Depends, HTTPException, status

from ..schemas import UserCreate, UserOut, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
USERS: dict[int, dict] = {}


def get_current_user() -> dict:
    return {"id": 1}


@router.get("", response_model=list[UserOut])
def list_users(limit: int = 20, user=Depends(get_current_user)):
    return list(USERS.values())[:limit]


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: int, user=Depends(get_current_user)):
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail="not found")
    return USERS[user_id]


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, user=Depends(get_current_user)):
    if any(u["email"] == body.email for u in USERS.values()):
        raise HTTPException(status_code=409, detail="email taken")
    row = {"id": len(USERS) + 1, "status": "active", **body.model_dump(exclude={"password"})}
    USERS[row["id"]] = row
    return row


@router.patch("/{user_id}", response_model=UserOut)
def update_user(user_id: int, body: UserUpdate, user=Depends(get_current_user)):
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail="not found")
    USERS[user_id].update(body.model_dump(exclude_unset=True))
    return USERS[user_id]


@router.delete("/{user_id}", status_code=204)
def delete_user(user_id: int, user=Depends(get_current_user)):
    USERS.pop(user_id, None)
