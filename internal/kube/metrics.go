package kube

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The publisher's metrics, served with the watch's (Collect).
var (
	mPublish   = prometheus.NewDesc("recorder_publish_total", "Partial SeccompProfile publishes, by result: ok, conflict, forbidden (RBAC), crd_missing, unreachable (the API server), not_ours, unresolved (pod gone), error.", []string{"result"}, nil)
	mConflicts = prometheus.NewDesc("recorder_publish_conflicts_total", "Conflicts met updating partials (each retried).", nil, nil)
	mPending   = prometheus.NewDesc("recorder_publish_pending", "Partials not up to date in the API server after the last publish.", nil, nil)
	mLastOK    = prometheus.NewDesc("recorder_publish_last_success_timestamp_seconds", "When every partial was last up to date (Unix time; 0: never).", nil, nil)
	mFailing   = prometheus.NewDesc("recorder_publish_failing", "1 while publishing fails, by cause.", []string{"cause"}, nil)
)

// Describe is prometheus.Collector's.
func (p *Publisher) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mPublish, mConflicts, mPending, mLastOK, mFailing} {
		ch <- d
	}
}

// Collect is prometheus.Collector's: every result and cause has a series
// from the start, so that a rate or an alert needs no series to appear.
func (p *Publisher) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	st := p.st
	results := make(map[string]uint64, len(st.results))
	for k, v := range st.results {
		results[k] = v
	}
	p.mu.Unlock()
	for _, r := range Results {
		ch <- prometheus.MustNewConstMetric(mPublish, prometheus.CounterValue, float64(results[r]), r)
	}
	ch <- prometheus.MustNewConstMetric(mConflicts, prometheus.CounterValue, float64(st.conflicts))
	ch <- prometheus.MustNewConstMetric(mPending, prometheus.GaugeValue, float64(st.pending))
	last := 0.0
	if !st.lastOK.IsZero() {
		last = float64(st.lastOK.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(mLastOK, prometheus.GaugeValue, last)
	for _, r := range Results[1:] {
		v := 0.0
		if st.failing == r {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(mFailing, prometheus.GaugeValue, v, r)
	}
}
