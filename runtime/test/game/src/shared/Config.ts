/** Crystal Clash: players collect crystals in the lobby, queue for two-player arena rounds, and buy gems. */

/** The arena place; every other place id is a lobby. */
export const ARENA_PLACE_ID = 4040;

export const GEM_PACK_PRODUCT_ID = 3301;
export const GEM_PACK_GEMS = 100;
/** Doubles the coins a crystal gives. */
export const VIP_PASS_ID = 3302;
export const FIRST_WIN_BADGE_ID = 7701;

export const CRYSTAL_TAG = "Crystal";
export const CRYSTAL_COINS = 5;
export const CRYSTAL_RESPAWN_SECONDS = 10;
/** How far (studs) from a crystal a character may be to collect it. */
export const PICKUP_RANGE = 12;

export const MATCH_SIZE = 2;
export const QUEUE_NAME = "ArenaQueue";
export const MATCH_TOPIC = "ArenaMatch";
export const ROUND_SECONDS = 60;
/** How long the arena waits for the whole match to arrive before it starts anyway. */
export const ARRIVAL_TIMEOUT = 20;

export const MOTD_URL = "https://api.crystalclash.example/motd";
export const MOTD_FALLBACK = "Welcome to Crystal Clash!";
