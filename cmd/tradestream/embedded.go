package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// embedded is demo's in-process Kafka broker and Schema Registry. Both speak
// the real protocols, so any Kafka client (kcat, confluent-kafka) and any
// registry client can connect.
type embedded struct {
	kafka    *kfake.Cluster
	registry *srfake.Registry
	regSrv   *http.Server
	regAddr  string
}

// startEmbedded starts the broker on brokerAddr and the registry on
// registryAddr. dataDir, when set, persists the broker's log.
func startEmbedded(brokerAddr, registryAddr, dataDir string, partitions int) (*embedded, error) {
	host, portStr, err := net.SplitHostPort(brokerAddr)
	if err != nil {
		return nil, usageErr("--broker-addr: %v", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, usageErr("--broker-addr: bad port %q", portStr)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1), kfake.Ports(port), kfake.DefaultNumPartitions(partitions),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, _ := net.SplitHostPort(address)
			return net.Listen(network, net.JoinHostPort(host, p))
		}),
	}
	if dataDir != "" {
		opts = append(opts, kfake.DataDir(dataDir))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded broker on %s: %w", brokerAddr, err)
	}
	e := &embedded{kafka: cluster, registry: srfake.New()}
	ln, err := net.Listen("tcp", registryAddr)
	if err != nil {
		cluster.Close()
		return nil, fmt.Errorf("embedded registry on %s: %w", registryAddr, err)
	}
	e.regAddr = ln.Addr().String()
	e.regSrv = &http.Server{Handler: e.registry.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := e.regSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err) // Serve only fails on a broken listener we own
		}
	}()
	return e, nil
}

// brokers are the bootstrap addresses of the embedded broker.
func (e *embedded) brokers() []string { return e.kafka.ListenAddrs() }

// registryURL is the embedded registry's URL.
func (e *embedded) registryURL() string { return "http://" + e.regAddr }

// close stops the registry, then the broker.
func (e *embedded) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = e.regSrv.Shutdown(ctx)
	e.registry.Close()
	e.kafka.Close()
}
