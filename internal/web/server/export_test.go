package server

// EnvelopesWritten counts the websocket answers written around their
// already encoded payload (appendEnvelope), for tests to see that gqlgen's
// messages still take that path.
func EnvelopesWritten() uint64 { return envelopesWritten.Load() }
