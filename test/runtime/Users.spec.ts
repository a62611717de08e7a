import Runtime from "../Runtime";
import { expectError } from "../Expect";

export = () => {
	describe("Players name lookups", () => {
		it("answers from configured accounts and joined players, names matched without case", () => {
			Runtime.configureUsers([{ userId: 156, name: "builderman" }]);
			const server = Runtime.startServer();
			server.addPlayer(42, "Zed");
			server.call(() => {
				const Players = game.GetService("Players");
				expect(Players.GetUserIdFromNameAsync("BuilderMan")).to.equal(156);
				expect(Players.GetNameFromUserIdAsync(156 as never)).to.equal("builderman");
				expect(Players.GetUserIdFromNameAsync("zed")).to.equal(42);
			});
		});

		it("errors for an unknown account", () => {
			const server = Runtime.startServer();
			expectError(
				() => server.call(() => game.GetService("Players").GetUserIdFromNameAsync("nobody_here")),
				"Unknown user",
			);
			expectError(
				() => server.call(() => game.GetService("Players").GetNameFromUserIdAsync(1234567 as never)),
				"Unknown user",
			);
		});
	});
};
