package topology

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanisms Tradestream speaks to brokers.
const (
	SCRAMSHA256 = "SCRAM-SHA-256"
	SCRAMSHA512 = "SCRAM-SHA-512"
)

// Secret is a string that never prints: fmt, slog and JSON show
// "[redacted]". Reveal returns the value.
type Secret string

// String implements fmt.Stringer.
func (Secret) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return `"[redacted]"` }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText implements encoding.TextMarshaler (JSON and friends).
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Security is how clients authenticate to the brokers and encrypt the
// connection. The zero value is plaintext without authentication.
type Security struct {
	// SASLMechanism is "", SCRAMSHA256 or SCRAMSHA512.
	SASLMechanism string
	// SASLUser and SASLPassword are the SCRAM credentials.
	SASLUser     string
	SASLPassword Secret
	// TLS enables TLS to the brokers.
	TLS bool
	// TLSCAFile is a PEM file of the CAs to trust; empty means the system's.
	TLSCAFile string
	// TLSCertFile and TLSKeyFile are a PEM client certificate and key, for
	// brokers that require one; both or neither.
	TLSCertFile, TLSKeyFile string
	// TLSSkipVerify accepts any broker certificate (testing only).
	TLSSkipVerify bool
	// TLSServerName overrides the name checked in the broker certificate.
	TLSServerName string
}

// Check reports the first inconsistent field and loads the TLS files, to
// fail early with a clear reason.
func (s Security) Check() error {
	if err := s.validate(); err != nil {
		return err
	}
	if s.TLS {
		_, err := s.tlsConfig()
		return err
	}
	return nil
}

// Explain adds to a connection error what security the client used, so
// that a refused login or certificate reads as one (brokers often just
// close the connection). It never includes the password.
func (s Security) Explain(err error) error {
	if err == nil {
		return nil
	}
	var parts []string
	if s.SASLMechanism != "" {
		parts = append(parts, fmt.Sprintf("SASL %s as %q", s.SASLMechanism, s.SASLUser))
	}
	if s.TLS {
		parts = append(parts, "TLS")
	}
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%w (with %s: check the credentials, certificates and that the brokers' listener expects them)",
		err, strings.Join(parts, " over "))
}

// validate reports the first inconsistent field.
func (s Security) validate() error {
	switch s.SASLMechanism {
	case "":
		if s.SASLUser != "" || s.SASLPassword != "" {
			return fmt.Errorf("%w: a SASL user or password without a SASL mechanism", ErrConfig)
		}
	case SCRAMSHA256, SCRAMSHA512:
		if s.SASLUser == "" || s.SASLPassword == "" {
			return fmt.Errorf("%w: SASL %s needs a user and a password", ErrConfig, s.SASLMechanism)
		}
	default:
		return fmt.Errorf("%w: SASL mechanism %q (have %s, %s)", ErrConfig, s.SASLMechanism, SCRAMSHA256, SCRAMSHA512)
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		return fmt.Errorf("%w: a TLS client certificate needs both the cert and the key file", ErrConfig)
	}
	if !s.TLS && (s.TLSCAFile != "" || s.TLSCertFile != "" || s.TLSSkipVerify || s.TLSServerName != "") {
		return fmt.Errorf("%w: TLS options without TLS enabled", ErrConfig)
	}
	return nil
}

// tlsConfig builds the client TLS config from the files.
func (s Security) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.TLSSkipVerify, ServerName: s.TLSServerName} //nolint:gosec // skip-verify is opt-in, for testing
	if s.TLSCAFile != "" {
		pem, err := os.ReadFile(s.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS CA: %v", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: TLS CA %s holds no PEM certificate", ErrConfig, s.TLSCAFile)
		}
		c.RootCAs = pool
	}
	if s.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS client certificate: %v", ErrConfig, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// apply sets the security options on a sarama config; tc is the TLS
// config Secure built.
func (s Security) apply(cfg *sarama.Config, tc *tls.Config) {
	if s.TLS {
		cfg.Net.TLS.Enable = true
		if tc != nil {
			cfg.Net.TLS.Config = tc.Clone()
		}
	}
	if s.SASLMechanism == "" {
		return
	}
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.User = s.SASLUser
	cfg.Net.SASL.Password = s.SASLPassword.Reveal()
	auth := scram.Auth{User: s.SASLUser, Pass: s.SASLPassword.Reveal()}
	if s.SASLMechanism == SCRAMSHA512 {
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{mech: auth.AsSha512Mechanism()} }
	} else {
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{mech: auth.AsSha256Mechanism()} }
	}
}

// scramClient runs a SCRAM exchange for sarama with franz-go's SCRAM
// implementation (RFC 5802, as Kafka speaks it).
type scramClient struct {
	mech sasl.Mechanism
	sess sasl.Session
	done bool
}

// Begin implements sarama.SCRAMClient; the credentials are the mechanism's.
func (c *scramClient) Begin(_, _, _ string) error { return nil }

// Step implements sarama.SCRAMClient: the client-first message, then the
// answer to each server message.
func (c *scramClient) Step(challenge string) (string, error) {
	if c.sess == nil {
		sess, first, err := c.mech.Authenticate(context.Background(), "")
		if err != nil {
			return "", err
		}
		c.sess = sess
		return string(first), nil
	}
	done, msg, err := c.sess.Challenge([]byte(challenge))
	if err != nil {
		return "", err
	}
	c.done = done
	return string(msg), nil
}

// Done implements sarama.SCRAMClient.
func (c *scramClient) Done() bool { return c.done }
