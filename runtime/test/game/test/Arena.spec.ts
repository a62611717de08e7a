import Runtime from "@rbxts-profile/runtime";
import { ARENA_PLACE_ID, CRYSTAL_TAG, FIRST_WIN_BADGE_ID, ROUND_SECONDS } from "shared/Config";
import type * as LeaderboardModule from "server/Leaderboard";
import { remote, stat } from "./Helpers";

const LOBBY_PLACE_ID = 1818;

export = () => {
	beforeAll(() => Runtime.configureBadges([{ id: FIRST_WIN_BADGE_ID, name: "First Win" }]));

	describe("the arena", () => {
		it("runs a timed round, rewards the winner once, ranks them this week, and sends everyone back", () => {
			const arena = Runtime.startServer({ name: "Arena", placeId: ARENA_PLACE_ID, privateServerId: "match-1" });
			const match = { matchId: "m1", members: [41, 42] };
			const ann = arena.addPlayer(41, "Ann", {
				teleportData: match,
				sourcePlaceId: LOBBY_PLACE_ID,
				members: [41, 42],
			});
			const state = () =>
				(arena.game.GetService("ReplicatedStorage").FindFirstChild("RoundState") as StringValue).Value;
			expect(state()).to.equal("Waiting");
			Runtime.wait(3);
			expect(state()).to.equal("Waiting");
			const bob = arena.addPlayer(42, "Bob", {
				teleportData: match,
				sourcePlaceId: LOBBY_PLACE_ID,
				members: [41, 42],
			});
			Runtime.waitUntil(() => state() === "Running", 10, "round started");
			Runtime.waitUntil(() => ann.FindFirstChild("leaderstats") !== undefined && ann.Character !== undefined, 30);
			const crystal = arena.call(
				() => game.GetService("CollectionService").GetTagged(CRYSTAL_TAG)[0],
			) as BasePart;
			arena.call(() => ann.Character!.PivotTo(crystal.CFrame));
			arena.client(ann).fireServer(remote<RemoteEvent>(arena, "CollectCrystal"), crystal);
			Runtime.waitUntil(() => state() === "Ended", ROUND_SECONDS + 5, "round ended");

			const ticks = arena.client(bob).received(remote<RemoteEvent>(arena, "RoundTimer"));
			expect(ticks.size()).to.equal(ROUND_SECONDS);
			expect(ticks[0][0]).to.equal(ROUND_SECONDS);
			expect(ticks[ROUND_SECONDS - 1][0]).to.equal(1);
			expect(arena.client(bob).received(remote<RemoteEvent>(arena, "RoundResult"))[0][0]).to.equal("Ann");
			expect(stat(ann, "Wins")).to.equal(1);
			expect(Runtime.badgeOwners(FIRST_WIN_BADGE_ID).join(",")).to.equal("41");
			// Awarding a badge the user owns returns false, as BadgeService's reference says.
			expect(arena.call(() => game.GetService("BadgeService").AwardBadge(41, FIRST_WIN_BADGE_ID))).to.equal(
				false,
			);
			const board = arena.require<typeof LeaderboardModule>("ServerScriptService/TS/Leaderboard");
			const top = arena.call(() => board.top(10));
			expect(top.size()).to.equal(1);
			expect(top[0].userId).to.equal(41);
			expect(top[0].wins).to.equal(1);
			// The week's entries expire one day after the week ends.
			const week = arena.call(() => board.weekNumber());
			const entry = Runtime.memoryStore().sortedMap(`WeeklyWins_${week}`)[0];
			const weekEndsIn = (week + 1) * 7 * 24 * 3600 - Runtime.unixMillis() / 1000;
			expect(entry.expiresAt - Runtime.now()).to.be.near(weekEndsIn + 24 * 3600, 2);

			Runtime.waitUntil(() => Runtime.serverOf(41)?.placeId === LOBBY_PLACE_ID, 30, "back in a lobby");
			expect(Runtime.serverOf(42)).to.equal(Runtime.serverOf(41));
			expect(Runtime.serverOf(41)!.privateServerId).to.equal("");
		});
	});
};
