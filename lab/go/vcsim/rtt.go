package main

// A link with latency in front of the simulator: every byte that crosses it in either direction is held for half
// the round-trip time, as on a real network between Ansible and vCenter. TCP and TLS handshakes, each SOAP, REST
// and PBM request and each file transfer pay it, and pipelined data is not throttled (the delay is latency, not
// bandwidth). The round trip is read from a file (milliseconds, a bare integer) when a connection is accepted, so
// a benchmark can change it between runs without restarting the lab.

import (
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

type delayedLink struct {
	front   net.Listener
	back    string // the simulator's own address
	rttFile string
}

// rtt is the round trip configured now (0 when the file is missing, empty or not a number).
func (l *delayedLink) rtt() time.Duration {
	b, err := os.ReadFile(l.rttFile)
	if err != nil {
		return 0
	}
	ms, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil || ms <= 0 {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (l *delayedLink) serve() {
	for {
		c, err := l.front.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			log.Printf("delayed link: %v", err)
			return
		}
		go l.relay(c, l.rtt())
	}
}

func (l *delayedLink) relay(client net.Conn, rtt time.Duration) {
	server, err := net.Dial("tcp", l.back)
	if err != nil {
		log.Printf("delayed link: %v", err)
		client.Close()
		return
	}
	// The TCP handshake of the client's connection costs a round trip on a real link.
	time.Sleep(rtt)
	done := make(chan struct{}, 2)
	go pump(server, client, rtt/2, done)
	go pump(client, server, rtt/2, done)
	<-done
	<-done
	client.Close()
	server.Close()
}

type chunk struct {
	data []byte
	due  time.Time
}

// pump copies src to dst, each chunk written no earlier than delay after it was read.
func pump(dst, src net.Conn, delay time.Duration, done chan<- struct{}) {
	defer func() { done <- struct{}{} }()
	if delay == 0 {
		_, _ = io.Copy(dst, src)
		closeWrite(dst)
		return
	}
	queue := make(chan chunk, 4096)
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32*1024)
			n, err := src.Read(buf)
			if n > 0 {
				queue <- chunk{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range queue {
		if wait := time.Until(c.due); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	for range queue { // drain, so the reader never blocks on a closed link
	}
	closeWrite(dst)
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}
