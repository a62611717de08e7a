import { expectContains, expectError } from "../Expect";

export = () => {
	describe("Instance.new", () => {
		it("creates every creatable class, with IsA following Roblox's class hierarchy", () => {
			for (const className of [
				"RemoteEvent",
				"RemoteFunction",
				"UnreliableRemoteEvent",
				"Sound",
				"ParticleEmitter",
				"ProximityPrompt",
				"Highlight",
			]) {
				const inst = new Instance(className as keyof CreatableInstances);
				expect(inst.ClassName).to.equal(className);
			}
			expect(new Instance("Sound").IsA("Instance")).to.equal(true);
			expect(new Instance("TextButton").IsA("GuiObject")).to.equal(true);
			expect(new Instance("TextButton").IsA("GuiButton")).to.equal(true);
			expect(new Instance("SpawnLocation").IsA("Part")).to.equal(true);
			expectError(() => new Instance("NotAClass" as "Part"), 'Unable to create an Instance of type "NotAClass"');
		});

		it("says plainly what it does not emulate, rather than a Roblox-style error", () => {
			const sound = new Instance("Sound");
			const message = expectError(() => sound.Play(), "rbxts-runtime does not emulate Sound.Play");
			expectContains(message, "ask for it");
			expectError(
				() => new Instance("Part").GetTouchingParts(),
				"rbxts-runtime does not emulate Part.GetTouchingParts",
			);
			expectError(
				() => (new Instance("Folder") as unknown as { Nope: unknown }).Nope,
				"Nope is not a valid member of Folder",
			);
		});
	});

	describe("value objects", () => {
		it("hold a typed Value and fire Changed with the new value", () => {
			const int = new Instance("IntValue");
			const seen: number[] = [];
			int.Changed.Connect((value) => seen.push(value));
			int.Value = 3.5;
			expect(int.Value).to.equal(4);
			int.Value = -2.5;
			expect(int.Value).to.equal(-3);
			expect(seen.join(",")).to.equal("4,-3");
			expect(new Instance("Vector3Value").Value).to.equal(Vector3.zero);
			expect(new Instance("CFrameValue").Value).to.equal(CFrame.identity);
			expect(new Instance("Color3Value").Value).to.equal(new Color3(0, 0, 0));
			expect(new Instance("BrickColorValue").Value.Name).to.equal("Medium stone grey");
			expect(new Instance("StringValue").Value).to.equal("");
			expect(new Instance("BoolValue").Value).to.equal(false);
			expect(new Instance("NumberValue").Value).to.equal(0);
			const objectValue = new Instance("ObjectValue");
			expect(objectValue.Value).to.equal(undefined);
			objectValue.Value = int;
			expect(objectValue.Value).to.equal(int);
			expectError(
				() => ((new Instance("StringValue") as unknown as { Value: object }).Value = {}),
				"string expected, got table",
			);
		});
	});

	describe("attributes", () => {
		it("store the allowed types, list them, and fire their change signals", () => {
			const folder = new Instance("Folder");
			let changedName = "";
			let healthChanges = 0;
			folder.AttributeChanged.Connect((name) => (changedName = name));
			folder.GetAttributeChangedSignal("Health").Connect(() => healthChanges++);
			folder.SetAttribute("Health", 100);
			folder.SetAttribute("Health", 100);
			folder.SetAttribute("Spawn", new Vector3(1, 2, 3));
			expect(folder.GetAttribute("Health")).to.equal(100);
			expect(folder.GetAttribute("Spawn")).to.equal(new Vector3(1, 2, 3));
			expect(healthChanges).to.equal(1);
			expect(changedName).to.equal("Spawn");
			expect((folder.GetAttributes() as Map<string, unknown>).get("Health")).to.equal(100);
			folder.SetAttribute("Health", undefined);
			expect(folder.GetAttribute("Health")).to.equal(undefined);
			expect(healthChanges).to.equal(2);
		});

		it("rejects unsupported types and invalid names", () => {
			const folder = new Instance("Folder");
			expectError(() => folder.SetAttribute("Data", {} as unknown as string), "not a supported attribute type");
			expectError(() => folder.SetAttribute("Bad Name", 1), "letters, digits");
			expectError(() => folder.SetAttribute("RBXThing", 1), "RBX");
			expectError(() => folder.SetAttribute(string.rep("a", 101), 1), "100 characters");
		});
	});

	describe("tags", () => {
		it("adds, lists, checks and removes tags, and Clone keeps them", () => {
			const part = new Instance("Part");
			part.AddTag("Lava");
			part.AddTag("Hazard");
			part.AddTag("Lava");
			expect(part.HasTag("Lava")).to.equal(true);
			expect(part.GetTags().join(",")).to.equal("Lava,Hazard");
			expect(part.Clone().HasTag("Hazard")).to.equal(true);
			part.RemoveTag("Lava");
			expect(part.HasTag("Lava")).to.equal(false);
		});
	});

	describe("hierarchy events and Clone", () => {
		it("fires DescendantAdded, DescendantRemoving, AncestryChanged and Destroying", () => {
			const root = new Instance("Folder");
			const mid = new Instance("Folder", root);
			const leaf = new Instance("Part");
			const added: Instance[] = [];
			const removing: Instance[] = [];
			root.DescendantAdded.Connect((d) => added.push(d));
			root.DescendantRemoving.Connect((d) => removing.push(d));
			let ancestry = 0;
			leaf.AncestryChanged.Connect(() => ancestry++);
			leaf.Parent = mid;
			expect(added[0]).to.equal(leaf);
			const other = new Instance("Folder");
			mid.Parent = other;
			expect(ancestry).to.equal(2);
			expect(removing.includes(mid) && removing.includes(leaf)).to.equal(true);
			let destroying = false;
			leaf.Destroying.Connect(() => (destroying = true));
			other.Destroy();
			expect(destroying).to.equal(true);
		});

		it("clones Archivable instances with their attributes, and finds children by class", () => {
			const folder = new Instance("Folder");
			folder.SetAttribute("Level", 3);
			const kept = new Instance("IntValue", folder);
			kept.Value = 7;
			const skipped = new Instance("StringValue", folder);
			skipped.Archivable = false;
			const copy = folder.Clone();
			expect(copy.GetAttribute("Level")).to.equal(3);
			expect(copy.GetChildren().size()).to.equal(1);
			expect(copy.FindFirstChildOfClass("IntValue")!.Value).to.equal(7);
			expect(copy.FindFirstChildWhichIsA("ValueBase")).never.to.equal(undefined);
			expect(kept.FindFirstAncestorOfClass("Folder")).to.equal(folder);
			folder.Archivable = false;
			expect(folder.Clone()).to.equal(undefined);
		});
	});

	describe("remotes and bindables on the server", () => {
		it("RemoteEvent: FireClient checks its player, FireServer belongs to clients", () => {
			const remote = new Instance("RemoteEvent");
			expectError(() => remote.FireClient(undefined as unknown as Player, 1), "player argument must be a Player");
			expectError(
				() => (remote as unknown as { FireServer(): void }).FireServer(),
				"only be called from the client",
			);
			remote.FireAllClients("hello");
			const fn = new Instance("RemoteFunction");
			fn.OnServerInvoke = (_player, x) => (x as number) * 2;
			expectError(() => fn.OnServerInvoke, "callback member");
		});

		it("BindableEvent and BindableFunction pass values between server scripts", () => {
			const event = new Instance("BindableEvent") as BindableEvent<(value: number) => void>;
			let got: unknown;
			event.Event.Connect((value) => (got = value));
			event.Fire(5);
			expect(got).to.equal(5);
			const fn = new Instance("BindableFunction");
			fn.OnInvoke = (x: number) => x + 1;
			expect(fn.Invoke(1)).to.equal(2);
		});
	});

	describe("UI and Humanoid", () => {
		it("UI objects have Instance.new's defaults", () => {
			const label = new Instance("TextLabel");
			expect(label.Text).to.equal("Label");
			expect(label.Size).to.equal(UDim2.fromOffset(100, 100));
			expect(label.Visible).to.equal(true);
			expect(new Instance("TextButton").Text).to.equal("Button");
			(label as unknown as { Text: number }).Text = 5;
			expect(label.Text).to.equal("5");
			expect(new Instance("ScreenGui").ResetOnSpawn).to.equal(true);
			expect(new Instance("UICorner").CornerRadius).to.equal(new UDim(0, 8));
			expect(new Instance("UIListLayout").SortOrder).to.equal(Enum.SortOrder.LayoutOrder);
		});

		it("Humanoid takes damage, clamps health and dies once", () => {
			const humanoid = new Instance("Humanoid");
			let deaths = 0;
			humanoid.Died.Connect(() => deaths++);
			humanoid.TakeDamage(30);
			expect(humanoid.Health).to.equal(70);
			humanoid.Health = 500;
			expect(humanoid.Health).to.equal(100);
			humanoid.TakeDamage(150);
			humanoid.TakeDamage(10);
			expect(humanoid.Health).to.equal(0);
			expect(deaths).to.equal(1);
		});
	});
};
