import Runtime from "../Runtime";

export = () => {
	describe("characters", () => {
		it("spawns a character when a player joins, firing CharacterAdded before it is parented to Workspace", () => {
			const server = Runtime.startServer();
			const seen: string[] = [];
			server.call(() =>
				game
					.GetService("Players")
					.PlayerAdded.Connect((p) =>
						p.CharacterAdded.Connect((c) => seen.push(c.Parent === undefined ? "nil" : c.Parent.Name)),
					),
			);
			const player = server.addPlayer(1, "Ann");
			Runtime.waitUntil(() => player.Character !== undefined, 5, "character");
			const character = player.Character!;
			expect(seen.size()).to.equal(1);
			expect(seen[0]).to.equal("nil");
			expect(character.Parent).to.equal(server.game.GetService("Workspace"));
			expect(character.Name).to.equal("Ann");
			expect(character.FindFirstChildOfClass("Humanoid")).to.be.ok();
			const root = character.FindFirstChild("HumanoidRootPart") as BasePart;
			expect(character.PrimaryPart).to.equal(root);
		});

		it("moves the whole character with PivotTo", () => {
			const server = Runtime.startServer();
			const player = server.addPlayer(2, "Bo");
			Runtime.waitUntil(() => player.Character !== undefined, 5, "character");
			const character = player.Character!;
			const head = character.FindFirstChild("Head") as BasePart;
			const root = character.FindFirstChild("HumanoidRootPart") as BasePart;
			const offset = head.Position.sub(root.Position);
			server.call(() => character.PivotTo(new CFrame(100, 10, -40)));
			expect(root.Position).to.equal(new Vector3(100, 10, -40));
			expect(head.Position.sub(root.Position)).to.equal(offset);
		});

		it("stands a new character on a SpawnLocation", () => {
			const server = Runtime.startServer();
			server.call(() => {
				const spawn = new Instance("SpawnLocation");
				spawn.Anchored = true;
				spawn.CFrame = new CFrame(50, 0, 50);
				spawn.Parent = game.GetService("Workspace");
			});
			const player = server.addPlayer(3, "Cy");
			Runtime.waitUntil(() => player.Character !== undefined, 5, "character");
			const root = player.Character!.FindFirstChild("HumanoidRootPart") as BasePart;
			expect(root.Position.X).to.equal(50);
			expect(root.Position.Z).to.equal(50);
			expect(root.Position.Y > 0).to.equal(true);
		});

		it("replaces the character on LoadCharacter, and respawns RespawnTime seconds after death", () => {
			const server = Runtime.startServer();
			const player = server.addPlayer(4, "Di");
			Runtime.waitUntil(() => player.Character !== undefined, 5, "character");
			const events: string[] = [];
			player.CharacterRemoving.Connect(() => events.push("removing"));
			player.CharacterAdded.Connect(() => events.push("added"));
			const first = player.Character!;
			server.call(() => player.LoadCharacter());
			expect(events.join(",")).to.equal("removing,added");
			expect(first.Parent).to.equal(undefined);
			const second = player.Character!;
			expect(second).never.to.equal(first);
			const died = Runtime.now();
			server.call(() => second.FindFirstChildOfClass("Humanoid")!.TakeDamage(1000));
			Runtime.waitUntil(() => player.Character !== second, 10, "respawn");
			expect(Runtime.now() - died).to.be.near(5, 0.1);
		});

		it("does not load characters when CharacterAutoLoads is off, and removes the character when the player leaves", () => {
			const server = Runtime.startServer();
			server.call(() => (game.GetService("Players").CharacterAutoLoads = false));
			const player = server.addPlayer(5, "Eve");
			Runtime.wait(1);
			expect(player.Character).to.equal(undefined);
			server.call(() => player.LoadCharacter());
			const character = player.Character!;
			let removed = false;
			player.CharacterRemoving.Connect(() => (removed = true));
			server.removePlayer(player);
			expect(removed).to.equal(true);
			expect(character.Parent).to.equal(undefined);
		});
	});
};
