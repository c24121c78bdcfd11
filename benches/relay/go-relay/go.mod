module bareio.invalid/go-relay

go 1.19
