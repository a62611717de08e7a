import { ARENA_PLACE_ID } from "shared/Config";
import * as Arena from "./Arena";
import * as Crystals from "./Crystals";
import * as Data from "./Data";
import * as Lobby from "./Lobby";
import * as Matchmaking from "./Matchmaking";
import * as Shop from "./Shop";

Data.start();
Crystals.start();
Shop.start();
if (game.PlaceId === ARENA_PLACE_ID) {
	Arena.start();
} else {
	Lobby.start();
	Matchmaking.start();
}
