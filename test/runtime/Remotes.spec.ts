import Runtime from "../Runtime";
import { expectError } from "../Expect";

/** A server with one remote of each kind under ReplicatedStorage, made by the server as a game's boot script does. */
function serverWithRemotes() {
	const server = Runtime.startServer({ name: "Remotes" });
	server.call(() => {
		const storage = game.GetService("ReplicatedStorage");
		const event = new Instance("RemoteEvent");
		event.Name = "Event";
		event.Parent = storage;
		const fn = new Instance("RemoteFunction");
		fn.Name = "Function";
		fn.Parent = storage;
		const unreliable = new Instance("UnreliableRemoteEvent");
		unreliable.Name = "Unreliable";
		unreliable.Parent = storage;
	});
	const storage = server.game.GetService("ReplicatedStorage");
	return {
		server,
		event: storage.FindFirstChild("Event") as RemoteEvent,
		fn: storage.FindFirstChild("Function") as RemoteFunction,
		unreliable: storage.FindFirstChild("Unreliable") as UnreliableRemoteEvent,
	};
}

export = () => {
	describe("RemoteEvent", () => {
		it("runs OnServerEvent with the firing player first, then copies of the arguments", () => {
			const { server, event } = serverWithRemotes();
			const player = server.addPlayer(1, "Ann");
			const got: unknown[][] = [];
			server.call(() => event.OnServerEvent.Connect((from, ...args) => got.push([from, ...args])));
			const sent = { coins: 5 };
			setmetatable(sent, { __index: () => "meta" });
			server.client(player).fireServer(event, "buy", sent, () => 1);
			expect(got.size()).to.equal(1);
			expect(got[0][0]).to.equal(player);
			expect(got[0][1]).to.equal("buy");
			const copy = got[0][2] as { coins: number };
			expect(copy).never.to.equal(sent);
			expect(copy.coins).to.equal(5);
			expect(getmetatable(copy)).to.equal(undefined);
			// A function argument arrives as nil.
			expect(got[0][3]).to.equal(undefined);
		});

		it("queues events fired before the server connects, and delivers them in order on connect", () => {
			const { server, event } = serverWithRemotes();
			const player = server.addPlayer(1, "Ann");
			const client = server.client(player);
			client.fireServer(event, 1);
			client.fireServer(event, 2);
			const got: number[] = [];
			server.call(() => event.OnServerEvent.Connect((_, n) => got.push(n as number)));
			expect(got.join(",")).to.equal("1,2");
		});

		it("records FireClient for one player and FireAllClients for everyone present, oldest first", () => {
			const { server, event } = serverWithRemotes();
			const ann = server.addPlayer(1, "Ann");
			const bob = server.addPlayer(2, "Bob");
			server.call(() => {
				event.FireClient(ann, "hello", 1);
				event.FireAllClients("round", 2);
			});
			const annGot = server.client(ann).received(event);
			expect(annGot.size()).to.equal(2);
			expect(annGot[0][0]).to.equal("hello");
			expect(annGot[1][0]).to.equal("round");
			expect(annGot[1][1]).to.equal(2);
			const bobGot = server.client(bob).received(event);
			expect(bobGot.size()).to.equal(1);
			expect(bobGot[0][0]).to.equal("round");
			server.removePlayer(bob);
			server.call(() => event.FireAllClients("after"));
			expect(server.client(bob).received(event).size()).to.equal(1);
		});

		it("refuses the client-side members on the server", () => {
			const { server, event } = serverWithRemotes();
			server.call(() => {
				expectError(
					() => (event as unknown as { FireServer(): void }).FireServer(),
					"FireServer can only be called from the client",
				);
				expectError(() => event.OnClientEvent, "OnClientEvent can only be used on the client");
				expectError(
					() => event.FireClient(undefined as unknown as Player),
					"player argument must be a Player object",
				);
			});
		});

		it("treats UnreliableRemoteEvent like RemoteEvent on the server", () => {
			const { server, unreliable } = serverWithRemotes();
			const player = server.addPlayer(1, "Ann");
			let seen: unknown;
			server.call(() => unreliable.OnServerEvent.Connect((_, x) => (seen = x)));
			server.client(player).fireServer(unreliable, "pos");
			expect(seen).to.equal("pos");
			server.call(() => unreliable.FireAllClients("tick"));
			expect(server.client(player).received(unreliable)[0][0]).to.equal("tick");
		});
	});

	describe("RemoteFunction", () => {
		it("answers invokeServer with OnServerInvoke's result, yielding while it yields", () => {
			const { server, fn } = serverWithRemotes();
			const player = server.addPlayer(7, "Cy");
			server.call(() => {
				fn.OnServerInvoke = (from, a, b) => {
					task.wait(2);
					return `${(from as Player).Name}:${(a as number) + (b as number)}`;
				};
			});
			const start = Runtime.now();
			expect(server.client(player).invokeServer(fn, 2, 3)).to.equal("Cy:5");
			expect(Runtime.now() - start).to.be.near(2, 0.05);
		});

		it("waits for OnServerInvoke to be set, and passes its error to the caller", () => {
			const { server, fn } = serverWithRemotes();
			const player = server.addPlayer(7, "Cy");
			const start = Runtime.now();
			server.spawn(() => {
				task.wait(3);
				fn.OnServerInvoke = () => error("no stock");
			});
			expectError(() => server.client(player).invokeServer(fn), "no stock");
			expect(Runtime.now() - start).to.be.near(3, 0.1);
		});

		it("asks the client's handler on InvokeClient, and errors when the player has left", () => {
			const { server, fn } = serverWithRemotes();
			const player = server.addPlayer(7, "Cy");
			server.client(player).onInvoke(fn, (question) => `answer to ${question}`);
			expect(server.call(() => fn.InvokeClient(player, "ready?"))).to.equal("answer to ready?");
			expectError(() => (fn as unknown as { OnServerInvoke: unknown }).OnServerInvoke, "callback member");
			server.removePlayer(player);
			expectError(() => server.call(() => fn.InvokeClient(player, "still there?")), "has left the game");
		});
	});
};
