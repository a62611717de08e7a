import Runtime from "../Runtime";
import { expectError } from "../Expect";

function enabledServer() {
	return Runtime.startServer({ name: "Web", httpEnabled: true });
}

export = () => {
	beforeEach(() =>
		Runtime.configureHttp({
			handler: (request) => {
				if (request.Url === "https://api.example.com/motd") return { Body: "hello" };
				if (request.Method === "POST")
					return { StatusCode: 201, Body: `${request.Headers["Content-Type"]}|${request.Body}` };
				return { StatusCode: 404 };
			},
		}),
	);

	describe("HttpService requests", () => {
		it("needs HttpEnabled, which scripts cannot change", () => {
			const server = Runtime.startServer({ name: "Off" });
			expectError(
				() =>
					server.call(
						() => ((game.GetService("HttpService") as { HttpEnabled: boolean }).HttpEnabled = true),
					),
				"read only",
			);
			expectError(
				() => server.call(() => game.GetService("HttpService").GetAsync("https://api.example.com/motd")),
				"Http requests are not enabled",
			);
		});

		it("returns the body from GetAsync and PostAsync, with the JSON content type by default", () => {
			const server = enabledServer();
			expect(server.call(() => game.GetService("HttpService").GetAsync("https://api.example.com/motd"))).to.equal(
				"hello",
			);
			expect(
				server.call(() => game.GetService("HttpService").PostAsync("https://api.example.com/score", "{}")),
			).to.equal("application/json|{}");
			expect(
				server.call(() =>
					game
						.GetService("HttpService")
						.PostAsync("https://api.example.com/score", "a=1", Enum.HttpContentType.ApplicationUrlEncoded),
				),
			).to.equal("application/x-www-form-urlencoded|a=1");
			const sent = Runtime.httpRequests();
			expect(sent.size()).to.equal(3);
			expect(sent[1].Method).to.equal("POST");
			expect(sent[1].server).to.equal("Web");
		});

		it("errors on a status outside 200-299 in GetAsync, and reports it in RequestAsync", () => {
			const server = enabledServer();
			expectError(
				() => server.call(() => game.GetService("HttpService").GetAsync("https://api.example.com/none")),
				"HTTP 404 (Not Found)",
			);
			const response = server.call(() =>
				game.GetService("HttpService").RequestAsync({ Url: "https://api.example.com/none", Method: "GET" }),
			);
			expect(response.Success).to.equal(false);
			expect(response.StatusCode).to.equal(404);
			expect(response.StatusMessage).to.equal("Not Found");
		});

		it("refuses Roblox's own sites and a body on GET", () => {
			const server = enabledServer();
			expectError(
				() => server.call(() => game.GetService("HttpService").GetAsync("https://users.roblox.com/v1/users/1")),
				"not allowed to access ROBLOX resources",
			);
			expectError(
				() =>
					server.call(() =>
						game
							.GetService("HttpService")
							.RequestAsync({ Url: "https://x.example/", Method: "GET", Body: "b" }),
					),
				"Body cannot be sent with GET",
			);
		});

		it("allows 500 requests a minute per server", () => {
			Runtime.configureHttp({ latency: 0 });
			const server = enabledServer();
			server.call(() => {
				const HttpService = game.GetService("HttpService");
				for (let i = 0; i < 500; i++) HttpService.GetAsync("https://api.example.com/motd");
				expectError(
					() => HttpService.GetAsync("https://api.example.com/motd"),
					"Number of requests exceeded limit",
				);
				task.wait(61);
				expect(HttpService.GetAsync("https://api.example.com/motd")).to.equal("hello");
			});
		});
	});

	describe("HttpService:JSONEncode", () => {
		it("writes an Instance or a function inside a table as null, as Roblox does (rbxts-expect's messages rely on it)", () => {
			const http = game.GetService("HttpService");
			const part = new Instance("Part");
			expect(http.JSONEncode([1, part, 3])).to.equal("[1,null,3]");
			expect(http.JSONEncode({ part, fn: () => 1, n: 2 })).to.equal('{"fn":null,"n":2,"part":null}');
			// A DataStore still refuses both: the same JSON rules, but storing an Instance is an error there.
			const store = game.GetService("DataStoreService").GetDataStore("Refuses");
			expectError(() => store.SetAsync("k", [part]), "Instance");
		});
	});
};
