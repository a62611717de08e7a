import Runtime from "../Runtime";

function messageOf(fn: () => unknown): string {
	const [ok, err] = pcall(fn);
	if (ok) error("expected an error, but the call succeeded", 2);
	return tostring(err);
}

function contains(text: string, part: string) {
	return text.find(part, 1, true)[0] !== undefined;
}

// Roblox does not let game code set Source; the runtime does, which keeps these fixtures inline.
function moduleWithSource(name: string, source: string): ModuleScript {
	const module = new Instance("ModuleScript");
	module.Name = name;
	(module as unknown as { Source: string }).Source = source;
	module.Parent = game.GetService("ServerStorage");
	return module;
}

export = () => {
	it("names an unknown class", () => {
		const message = messageOf(() => new Instance("Spaceship" as keyof CreatableInstances));
		expect(contains(message, 'Unable to create an Instance of type "Spaceship"')).to.equal(true);
	});

	it("names a missing module and the folder it was looked for in", () => {
		const server = Runtime.startServer();
		const message = messageOf(() => server.require("ReplicatedStorage/rbxts_include/NoSuchModule"));
		expect(
			contains(message, 'NoSuchModule is not a valid member of Folder "ReplicatedStorage.rbxts_include"'),
		).to.equal(true);
		expect(
			contains(
				messageOf(() => require(undefined as unknown as ModuleScript)),
				"Attempted to call require with invalid argument(s).",
			),
		).to.equal(true);
		expect(
			contains(
				messageOf(() => require(new Instance("Folder") as unknown as ModuleScript)),
				"non-ModuleScript",
			),
		).to.equal(true);
	});

	it("names a module with a syntax error, with the line", () => {
		const module = moduleWithSource("Broken", "local x = \nreturn +");
		const message = messageOf(() => require(module));
		expect(contains(message, "Failed to load module ServerStorage.Broken: ServerStorage.Broken:2:")).to.equal(true);
	});

	it("names a module that errors while loading, then refuses it again", () => {
		const module = moduleWithSource("Throws", "error('kaboom')");
		const first = messageOf(() => require(module));
		expect(contains(first, "Requested module experienced an error while loading: ServerStorage.Throws")).to.equal(
			true,
		);
		expect(contains(first, "kaboom")).to.equal(true);
		expect(
			contains(
				messageOf(() => require(module)),
				"Requested module experienced an error while loading",
			),
		).to.equal(true);
	});

	it("names a module required recursively", () => {
		const a = moduleWithSource("CycleA", "return require(script.Parent.CycleB)");
		moduleWithSource("CycleB", "return require(script.Parent.CycleA)");
		expect(
			contains(
				messageOf(() => require(a)),
				"Requested module was required recursively: ServerStorage.CycleA",
			),
		).to.equal(true);
	});

	it("refuses a module that does not return exactly one value", () => {
		const module = moduleWithSource("Nothing", "local x = 1");
		expect(
			contains(
				messageOf(() => require(module)),
				"Module code did not return exactly one value: ServerStorage.Nothing",
			),
		).to.equal(true);
	});

	it("names the key when an UpdateAsync transform yields", () => {
		const store = game.GetService("DataStoreService").GetDataStore("Bad");
		const message = messageOf(() =>
			store.UpdateAsync("slow", () => {
				task.wait(1);
				return $tuple(1);
			}),
		);
		expect(
			contains(
				message,
				'UpdateAsync: the transform function for key "slow" yielded; transform functions must not yield',
			),
		).to.equal(true);
		expect(Runtime.store().get("Bad", undefined, "slow")[0]).to.equal(undefined);
	});

	it("names the path and type of an unserializable SetAsync value", () => {
		const store = game.GetService("DataStoreService").GetDataStore("Bad");
		const message = messageOf(() => store.SetAsync("player", { Inventory: { Sword: { OnUse: () => 1 } } }));
		expect(message).to.equal(
			"104: Cannot store function in DataStore. (value.Inventory.Sword.OnUse is a function)",
		);
	});
};
