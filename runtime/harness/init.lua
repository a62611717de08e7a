-- The offline runtime's harness, injected by the engine into every simulated server as `RuntimeHarness`.
return RuntimeHarness
