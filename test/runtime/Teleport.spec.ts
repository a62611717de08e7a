import Runtime from "../Runtime";
import { expectError } from "../Expect";

const ARENA = 2002;

export = () => {
	describe("TeleportService", () => {
		it("reserves a server: an access code and a PrivateServerId, different each time", () => {
			const lobby = Runtime.startServer({ name: "Lobby" });
			const [code, id] = lobby.call(() => game.GetService("TeleportService").ReserveServer(ARENA));
			const [code2, id2] = lobby.call(() => game.GetService("TeleportService").ReserveServer(ARENA));
			expect(typeIs(code, "string") && code !== "").to.equal(true);
			expect(typeIs(id, "string") && id !== "").to.equal(true);
			expect(code).never.to.equal(code2);
			expect(id).never.to.equal(id2);
		});

		it("starts the reserved server on first use and moves the players there with their join data", () => {
			const lobby = Runtime.startServer({ name: "Lobby" });
			const ann = lobby.addPlayer(1, "Ann");
			const bob = lobby.addPlayer(2, "Bob");
			const left: string[] = [];
			lobby.call(() => game.GetService("Players").PlayerRemoving.Connect((p) => left.push(p.Name)));
			const result = lobby.call(() => {
				const TeleportService = game.GetService("TeleportService");
				const [code] = TeleportService.ReserveServer(ARENA);
				const options = new Instance("TeleportOptions");
				options.ReservedServerAccessCode = code;
				options.SetTeleportData({ mode: "duel", round: 3 });
				const r = TeleportService.TeleportAsync(ARENA, [ann, bob], options);
				return { code, id: r.PrivateServerId, resultCode: r.ReservedServerAccessCode };
			});
			expect(result.resultCode).to.equal(result.code);
			Runtime.waitUntil(() => Runtime.serverOf(1) !== undefined && Runtime.serverOf(1) !== lobby, 10, "arrival");
			const arena = Runtime.serverOf(1)!;
			expect(Runtime.serverOf(2)).to.equal(arena);
			expect(arena.placeId).to.equal(ARENA);
			expect(arena.privateServerId).to.equal(result.id);
			expect(arena.game.PrivateServerId).to.equal(result.id);
			expect(arena.game.PrivateServerOwnerId).to.equal(0);
			expect(left.join(",")).to.equal("Ann,Bob");
			const join = arena.call(() => game.GetService("Players").GetPlayerByUserId(1)!.GetJoinData());
			expect(join.SourcePlaceId).to.equal(lobby.placeId);
			expect((join.TeleportData as unknown as { mode: string }).mode).to.equal("duel");
			expect((join.Members as number[]).join(",")).to.equal("1,2");

			// The same code later sends a third player to the same running server.
			const cy = lobby.addPlayer(3, "Cy");
			lobby.call(() => game.GetService("TeleportService").TeleportToPrivateServer(ARENA, result.code, [cy]));
			Runtime.waitUntil(() => Runtime.serverOf(3) === arena, 10, "third arrival");
		});

		it("with ShouldReserveServer reserves a new server and returns its code in the result", () => {
			const lobby = Runtime.startServer({ name: "Lobby" });
			const ann = lobby.addPlayer(11, "Ann");
			const r = lobby.call(() => {
				const options = new Instance("TeleportOptions");
				options.ShouldReserveServer = true;
				const res = game.GetService("TeleportService").TeleportAsync(ARENA, [ann], options);
				return { code: res.ReservedServerAccessCode, id: res.PrivateServerId };
			});
			expect(r.code).never.to.equal("");
			Runtime.waitUntil(() => Runtime.serverOf(11) !== lobby, 10, "arrival");
			expect(Runtime.serverOf(11)!.privateServerId).to.equal(r.id);
		});

		it("sends a plain teleport to a public server of the place, and to a given server with ServerInstanceId", () => {
			const lobby = Runtime.startServer({ name: "Lobby" });
			const other = Runtime.startServer({ name: "Other", placeId: ARENA });
			const ann = lobby.addPlayer(21, "Ann");
			const bob = lobby.addPlayer(22, "Bob");
			lobby.call(() => game.GetService("TeleportService").TeleportAsync(ARENA, [ann]));
			Runtime.waitUntil(() => Runtime.serverOf(21) === other, 10, "public server");
			lobby.call(() => {
				const options = new Instance("TeleportOptions");
				options.ServerInstanceId = other.jobId;
				game.GetService("TeleportService").TeleportAsync(ARENA, [bob], options);
			});
			Runtime.waitUntil(() => Runtime.serverOf(22) === other, 10, "instance");
			expect(
				other.call(() => game.GetService("Players").GetPlayerByUserId(22)!.GetJoinData().TeleportData),
			).to.equal(undefined);
		});

		it("checks its arguments as the reference lists", () => {
			const lobby = Runtime.startServer({ name: "Lobby" });
			const ann = lobby.addPlayer(1, "Ann");
			lobby.call(() => {
				const TeleportService = game.GetService("TeleportService");
				expectError(() => TeleportService.TeleportAsync(-1, [ann]), "Invalid placeId");
				expectError(() => TeleportService.TeleportAsync(ARENA, []), "Players empty");
				expectError(
					() => TeleportService.TeleportAsync(ARENA, [new Instance("Folder") as unknown as Player]),
					"List of players instances is incorrect",
				);
				const options = new Instance("TeleportOptions");
				options.ShouldReserveServer = true;
				options.ServerInstanceId = "abc";
				expectError(() => TeleportService.TeleportAsync(ARENA, [ann], options), "Incompatible Parameters");
				expectError(() => TeleportService.GetTeleportSetting("x"), "can only be called from the client");
			});
		});
	});

	describe("following a friend", () => {
		it("finds the server a user is on with GetPlayerPlaceInstanceAsync, and TeleportToPlaceInstance goes there", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B", placeId: ARENA });
			const friend = b.addPlayer(61, "Friend");
			const me = a.addPlayer(62, "Me");
			const [here, lookupError, placeId, jobId] = a.call(() =>
				game.GetService("TeleportService").GetPlayerPlaceInstanceAsync(61),
			);
			expect(here).to.equal(false);
			expect(lookupError).to.equal(undefined);
			expect(placeId).to.equal(ARENA);
			expect(jobId).to.equal(b.jobId);
			expect(b.call(() => game.GetService("TeleportService").GetPlayerPlaceInstanceAsync(61))[0]).to.equal(true);
			expect(a.call(() => game.GetService("TeleportService").GetPlayerPlaceInstanceAsync(999))[0]).to.equal(
				false,
			);
			a.call(() => game.GetService("TeleportService").TeleportToPlaceInstance(placeId, jobId, me));
			Runtime.waitUntil(() => Runtime.serverOf(62) === b, 10, "followed");
			expect(friend.Parent).to.equal(b.game.GetService("Players"));
		});
	});

	describe("TeleportInitFailed", () => {
		it("leaves the player in place and gives options that retry to the same reserved server", () => {
			Runtime.configureTeleport({ failures: [{ userId: 51, result: "GameFull", message: "full", count: 1 }] });
			const lobby = Runtime.startServer({ name: "Lobby" });
			const eve = lobby.addPlayer(51, "Eve");
			const failed: Array<{ result: string; message: string; placeId: number; code: string; data: unknown }> = [];
			const code = lobby.call(() => {
				const TeleportService = game.GetService("TeleportService");
				TeleportService.TeleportInitFailed.Connect((player, result, message, placeId, options) =>
					failed.push({
						result: result.Name,
						message,
						placeId,
						code: options!.ReservedServerAccessCode,
						data: options!.GetTeleportData(),
					}),
				);
				const [reserved] = TeleportService.ReserveServer(ARENA);
				const options = new Instance("TeleportOptions");
				options.ReservedServerAccessCode = reserved;
				options.SetTeleportData({ retry: true });
				TeleportService.TeleportAsync(ARENA, [eve], options);
				return reserved;
			});
			Runtime.waitUntil(() => failed.size() > 0, 10, "TeleportInitFailed");
			expect(Runtime.serverOf(51)).to.equal(lobby);
			expect(failed[0].result).to.equal("GameFull");
			expect(failed[0].message).to.equal("full");
			expect(failed[0].placeId).to.equal(ARENA);
			expect(failed[0].code).to.equal(code);
			expect((failed[0].data as { retry: boolean }).retry).to.equal(true);
			// The failure was injected once: the same options now succeed.
			lobby.call(() => {
				const options = new Instance("TeleportOptions");
				options.ReservedServerAccessCode = code;
				game.GetService("TeleportService").TeleportAsync(ARENA, [eve], options);
			});
			Runtime.waitUntil(() => Runtime.serverOf(51) !== lobby && Runtime.serverOf(51) !== undefined, 10, "retry");
		});
	});

	describe("joining as a teleport would", () => {
		it("gives GetJoinData the teleport data, the source place and the members", () => {
			const server = Runtime.startServer({ placeId: ARENA });
			const player = server.addPlayer(5, "Eve", {
				teleportData: { team: "red" },
				sourcePlaceId: 1818,
				members: [5, 6],
			});
			const join = server.call(() => player.GetJoinData());
			expect((join.TeleportData as unknown as { team: string }).team).to.equal("red");
			expect(join.SourcePlaceId).to.equal(1818);
			expect((join.Members as number[]).join(",")).to.equal("5,6");
			const plain = server.addPlayer(8, "Flo");
			expect(server.call(() => plain.GetJoinData().TeleportData)).to.equal(undefined);
			expect(Runtime.serverOf(5)).to.equal(server);
			expect(Runtime.serverOf(999)).to.equal(undefined);
		});
	});
};
