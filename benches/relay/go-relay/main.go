// go-relay LISTEN UPSTREAM: the Go anchor of the relay benchmark, a TCP
// relay as Go programs write it: one goroutine per direction, io.Copy
// (which splices TCP to TCP on Linux), and the end of one direction passed
// on with CloseWrite, the other left open until it ends too.
package main

import (
	"io"
	"log"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go-relay LISTEN UPSTREAM")
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Print(err)
			continue
		}
		go relay(c.(*net.TCPConn), os.Args[2])
	}
}

func relay(client *net.TCPConn, upstream string) {
	defer client.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		log.Print(err)
		return
	}
	up := u.(*net.TCPConn)
	defer up.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(up, client)
		up.CloseWrite()
		close(done)
	}()
	io.Copy(client, up)
	client.CloseWrite()
	<-done
}
