package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// to dir and returns the server's TLS config and the certificate's path
// (the CA a client trusts).
func selfSigned(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tradestream test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	path := filepath.Join(dir, "broker.pem")
	require.NoError(t, os.WriteFile(path, certPEM, 0o600))
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, path
}

// secureEnv starts a kfake broker with the given options and an in-process
// registry, for an instance whose Kafka security is sec.
func secureEnv(t *testing.T, sec topology.Security, opts ...kfake.Opt) *testEnv {
	t.Helper()
	cluster, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(12)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	reg := srfake.New()
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(func() { srv.Close(); reg.Close() })
	prefix := fmt.Sprintf("sec%d.", time.Now().UnixNano()%1e9)
	t.Setenv("TRADESTREAM_CDC_TOPICS", cdcTopicsOf(prefix))
	return &testEnv{brokers: cluster.ListenAddrs()[0], registry: srv.URL, prefix: prefix, kafka: sec}
}

// TestKafkaSASLAndTLS runs a whole instance against brokers that require
// SCRAM-SHA-256 over TLS, SCRAM-SHA-512, and TLS alone: commands go through
// and the views fill. The password is in no log line (the instance logs at
// debug level, goka's and the HTTP server's chatter included), and the CLI
// takes the credentials from the environment; a wrong password fails
// clearly without showing either password.
func TestKafkaSASLAndTLS(t *testing.T) {
	const password = "s3cret-Passw0rd-xyzzy"
	dir := t.TempDir()
	serverTLS, ca := selfSigned(t, dir)
	cases := []struct {
		name string
		sec  topology.Security
		opts []kfake.Opt
	}{
		{"SCRAM-SHA-256 over TLS", topology.Security{SASLMechanism: topology.SCRAMSHA256, SASLUser: "tradestream",
			SASLPassword: password, TLS: true, TLSCAFile: ca},
			[]kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "tradestream", password), kfake.TLS(serverTLS)}},
		{"SCRAM-SHA-512", topology.Security{SASLMechanism: topology.SCRAMSHA512, SASLUser: "tradestream", SASLPassword: password},
			[]kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "tradestream", password)}},
		{"TLS", topology.Security{TLS: true, TLSCAFile: ca}, []kfake.Opt{kfake.TLS(serverTLS)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := secureEnv(t, tc.sec, tc.opts...)
			cliArgs := []string{"--brokers", env.brokers, "--topic-prefix", env.prefix}
			if tc.sec.SASLMechanism != "" {
				cliArgs = append(cliArgs, "--kafka-sasl-mechanism", tc.sec.SASLMechanism, "--kafka-sasl-user", "tradestream")
				t.Setenv("TRADESTREAM_KAFKA_SASL_PASSWORD", password)
			}
			if tc.sec.TLS {
				cliArgs = append(cliArgs, "--kafka-tls", "--kafka-tls-ca", ca)
			}
			code, out, stderr := runCLI(t, append([]string{"topics", "apply"}, cliArgs...)...)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, out, "created")

			logs := &syncBuffer{}
			in := env.startLogging(t, "a", t.TempDir(), logs)
			st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody("s1", 7))
			require.Equal(t, http.StatusAccepted, st)
			in.waitJob(t, "acme", "s1", func(j *codecs.Job) bool { return j.Status != "" }, "processed")
			code, out, stderr = runCLI(t, append([]string{"export", "jobs", "--registry", env.registry}, cliArgs...)...)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, out, `"key":"acme/s1"`)
			require.NoError(t, in.stop())
			require.NotEmpty(t, logs.String())
			assert.NotContains(t, logs.String(), password)

			if tc.sec.SASLMechanism == "" {
				// Plaintext to a TLS listener fails, and says so.
				code, _, stderr = runCLI(t, "topics", "apply", "--brokers", env.brokers, "--topic-prefix", env.prefix)
				assert.Equal(t, 1, code)
				return
			}
			t.Setenv("TRADESTREAM_KAFKA_SASL_PASSWORD", "wrong-"+password)
			code, out, stderr = runCLI(t, append([]string{"topics", "apply", "--log-level", "debug"}, cliArgs...)...)
			assert.Equal(t, 1, code, "a wrong password fails")
			assert.NotContains(t, out+stderr, password)
			assert.Contains(t, stderr, "with SASL "+tc.sec.SASLMechanism+` as "tradestream"`)
			t.Logf("wrong password: %s", strings.TrimSpace(stderr))
		})
	}
}

func TestSecurityFlagsAreChecked(t *testing.T) {
	cases := map[string][]string{
		"unknown mechanism":    {"--kafka-sasl-mechanism", "GSSAPI", "--kafka-sasl-user", "u", "--kafka-sasl-password", "p"},
		"no password":          {"--kafka-sasl-mechanism", "SCRAM-SHA-256", "--kafka-sasl-user", "u"},
		"user without SASL":    {"--kafka-sasl-user", "u"},
		"CA without TLS":       {"--kafka-tls-ca", "/etc/hostname"},
		"missing CA file":      {"--kafka-tls", "--kafka-tls-ca", "/nonexistent/ca.pem"},
		"cert without its key": {"--kafka-tls", "--kafka-tls-cert", "/etc/hostname"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"topics", "apply", "--brokers", "x:1"}, args...)...)
			assert.Equal(t, 2, code, stderr)
			assert.NotContains(t, stderr, "--kafka-sasl-password p", "the password is not echoed")
		})
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	s := topology.Security{SASLMechanism: topology.SCRAMSHA256, SASLUser: "u", SASLPassword: "hunter2"}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%s", s.SASLPassword)} {
		assert.NotContains(t, out, "hunter2")
	}
	var b bytes.Buffer
	newLogger(&b, "debug").Info("config", "security", s, "password", s.SASLPassword)
	assert.NotContains(t, b.String(), "hunter2")
	assert.Equal(t, "hunter2", s.SASLPassword.Reveal())
}

// TestSchemaRegistryBasicAuth runs against a registry that requires HTTP
// basic auth: without credentials the CLI fails and says why; with
// --registry-user and the password from the environment, or with the
// credentials in the URL, it works, and so does an instance (codecs fetch
// and register schemas). The password is in no output or log line.
func TestSchemaRegistryBasicAuth(t *testing.T) {
	const user, password = "tradestream", "r3gistry-Secret-plugh"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(12))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	reg := srfake.New(srfake.WithAuth(auth))
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(func() { srv.Close(); reg.Close() })
	prefix := fmt.Sprintf("auth%d.", time.Now().UnixNano()%1e9)
	t.Setenv("TRADESTREAM_CDC_TOPICS", cdcTopicsOf(prefix))
	env := &testEnv{brokers: cluster.ListenAddrs()[0], registry: srv.URL, prefix: prefix}

	code, out, stderr := runCLI(t, "schemas", "register", "--registry", srv.URL)
	assert.Equal(t, 1, code, "no credentials: %s", out)
	assert.Contains(t, out+stderr, "refused the request's credentials (HTTP 401 Unauthorized)")
	t.Logf("without credentials: %s", firstLine(out+stderr))

	t.Setenv("TRADESTREAM_REGISTRY_PASSWORD", password)
	code, out, stderr = runCLI(t, "schemas", "register", "--registry", srv.URL, "--registry-user", user)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, out+stderr, password)
	t.Setenv("TRADESTREAM_REGISTRY_PASSWORD", "wrong-"+password)
	code, out, stderr = runCLI(t, "schemas", "check", "--registry", srv.URL, "--registry-user", user)
	assert.Equal(t, 1, code, "a wrong password fails: %s", out)
	assert.NotContains(t, out+stderr, password)

	withURL := strings.Replace(srv.URL, "http://", "http://"+user+":"+password+"@", 1)
	code, out, stderr = runCLI(t, "schemas", "check", "--registry", withURL)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, out+stderr, password)

	env.configure = func(c *Config) { c.RegistryUser, c.RegistryPassword = user, password }
	logs := &syncBuffer{}
	in := env.startLogging(t, "a", t.TempDir(), logs)
	// Every schema is registered when the instance starts, before any
	// record needs it: a table no command has touched yet has its subject.
	req, err := http.NewRequest("GET", srv.URL+"/subjects", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	subjects, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Contains(t, string(subjects), `"`+prefix+`tradestream.tradespeople-table-value"`)

	st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody("s1", 7))
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "s1", func(j *codecs.Job) bool { return j.Status != "" }, "processed")
	require.NoError(t, in.stop())
	assert.NotContains(t, logs.String(), password)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
