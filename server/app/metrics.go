package app

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus series.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	graphqlErrors *prometheus.CounterVec
	sockets       prometheus.Gauge
	eventChanges  *prometheus.CounterVec
}

func newMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "convene_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		graphqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "convene_websockets_open", Help: "Open GraphQL WebSocket connections.",
		}),
		eventChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_event_changes_total", Help: "Committed event changes by kind.",
		}, []string{"kind"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.graphqlErrors, m.sockets, m.eventChanges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// subscriberCounts is what every broker reports of its local subscribers.
type subscriberCounts interface {
	Subscribers() int
	CutOff() int64
}

// watchBroker exposes the broker's live subscriptions and the subscribers it
// cut off for falling behind.
func (m *Metrics) watchBroker(b subscriberCounts) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "convene_subscriptions", Help: "Live subscriptions on this replica.",
		}, func() float64 { return float64(b.Subscribers()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "convene_subscribers_cut_off_total", Help: "Subscribers closed for falling behind.",
		}, func() float64 { return float64(b.CutOff()) }),
	)
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Hijack hands the connection to a WebSocket; gorilla asks for the
// interface directly rather than through http.ResponseController.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.code = http.StatusSwitchingProtocols
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// instrument counts and times each request under its route pattern, and
// logs it at debug level. Headers are never logged: they carry tokens.
func (m *Metrics) instrument(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		took := time.Since(start)
		m.latency.WithLabelValues(route).Observe(took.Seconds())
		log.DebugContext(r.Context(), "http request", "method", r.Method, "route", route, "code", rec.code, "took", took)
	})
}

// jobStates reports the job queue's rows by state at each scrape, so a pile
// of PENDING or any FAILED job shows on a dashboard.
type jobStates struct {
	count func(context.Context) (map[string]int, error)
	desc  *prometheus.Desc
	log   *slog.Logger
}

func (m *Metrics) watchJobs(count func(context.Context) (map[string]int, error), log *slog.Logger) {
	m.registry.MustRegister(jobStates{count: count, log: log,
		desc: prometheus.NewDesc("convene_jobs", "Background jobs by state, all replicas together.", []string{"state"}, nil)})
}

func (j jobStates) Describe(ch chan<- *prometheus.Desc) { ch <- j.desc }

func (j jobStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := j.count(ctx)
	if err != nil {
		j.log.Warn("metrics: counting jobs", "err", err)
		return
	}
	for _, state := range []string{"PENDING", "RUNNING", "DONE", "FAILED"} {
		ch <- prometheus.MustNewConstMetric(j.desc, prometheus.GaugeValue, float64(counts[state]), state)
	}
}
