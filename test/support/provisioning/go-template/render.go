// Renders Grafana alerting templates with Go's own text/template, the engine Grafana uses, so a
// template that Grafana would refuse or render wrongly fails here too. One JSON request on stdin,
// one JSON answer on stdout: {"text": ...} or {"error": ...}.
//
// Two kinds, as Grafana has them:
//   - "annotation": an alert rule's summary or description, rendered at evaluation with $labels,
//     $values (every expression's value by refId) and $value, and the functions Grafana offers
//     there (Prometheus' template functions);
//   - "notification": a contact point setting such as `{{ template "encore.slack.text" . }}`, with
//     the notification templates defined, and the notification data (Receiver, Status, Alerts
//     with Firing and Resolved, CommonLabels, ExternalURL, ...) as Grafana's docs describe it.
//
// The data model and functions follow Grafana's documentation (notification template reference,
// alert rule template reference); only what a template can reach is modelled.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"
)

type request struct {
	Kind string `json:"kind"`
	// the text to render
	Text string `json:"text"`
	// notification: the template files' contents ({{ define }} blocks)
	Templates []string `json:"templates"`
	// annotation
	Labels map[string]string  `json:"labels"`
	Values map[string]float64 `json:"values"`
	// notification
	Notification *notificationInput `json:"notification"`
}

type alertInput struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     time.Time          `json:"startsAt"`
	EndsAt       time.Time          `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	SilenceURL   string             `json:"silenceURL"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	Values       map[string]float64 `json:"values"`
}

type notificationInput struct {
	Receiver    string       `json:"receiver"`
	Alerts      []alertInput `json:"alerts"`
	ExternalURL string       `json:"externalURL"`
}

// KV is a label or annotation set: Alertmanager's template.KV, with its helper methods.
type KV map[string]string

func (kv KV) Names() []string {
	names := make([]string, 0, len(kv))
	for k := range kv {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (kv KV) Values() []string {
	values := []string{}
	for _, k := range kv.Names() {
		values = append(values, kv[k])
	}
	return values
}

type Pair struct{ Name, Value string }

func (kv KV) SortedPairs() []Pair {
	pairs := []Pair{}
	for _, k := range kv.Names() {
		pairs = append(pairs, Pair{k, kv[k]})
	}
	return pairs
}

func (kv KV) Remove(keys []string) KV {
	out := KV{}
	for k, v := range kv {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

type Alert struct {
	Status       string
	Labels       KV
	Annotations  KV
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	Fingerprint  string
	SilenceURL   string
	DashboardURL string
	PanelURL     string
	Values       map[string]float64
	ValueString  string
}

type Alerts []Alert

func (as Alerts) Firing() Alerts   { return as.withStatus("firing") }
func (as Alerts) Resolved() Alerts { return as.withStatus("resolved") }
func (as Alerts) withStatus(status string) Alerts {
	out := Alerts{}
	for _, a := range as {
		if a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

type Data struct {
	Receiver          string
	Status            string
	Alerts            Alerts
	GroupLabels       KV
	CommonLabels      KV
	CommonAnnotations KV
	ExternalURL       string
}

// common keeps the pairs every set shares.
func common(sets []KV) KV {
	out := KV{}
	if len(sets) == 0 {
		return out
	}
	for k, v := range sets[0] {
		shared := true
		for _, s := range sets[1:] {
			if s[k] != v {
				shared = false
				break
			}
		}
		if shared {
			out[k] = v
		}
	}
	return out
}

func notificationData(in *notificationInput) Data {
	d := Data{Receiver: in.Receiver, Status: "resolved", ExternalURL: in.ExternalURL, GroupLabels: KV{}}
	labels := []KV{}
	annotations := []KV{}
	for i, a := range in.Alerts {
		alert := Alert{Status: a.Status, Labels: KV(a.Labels), Annotations: KV(a.Annotations), StartsAt: a.StartsAt, EndsAt: a.EndsAt,
			GeneratorURL: a.GeneratorURL, SilenceURL: a.SilenceURL, DashboardURL: a.DashboardURL, PanelURL: a.PanelURL, Values: a.Values,
			Fingerprint: fmt.Sprintf("%016x", i+1)}
		if a.Status == "firing" {
			d.Status = "firing"
		}
		d.Alerts = append(d.Alerts, alert)
		labels = append(labels, alert.Labels)
		annotations = append(annotations, alert.Annotations)
	}
	d.CommonLabels = common(labels)
	d.CommonAnnotations = common(annotations)
	if name, ok := d.CommonLabels["alertname"]; ok {
		d.GroupLabels["alertname"] = name
	}
	return d
}

// Notification template functions (Alertmanager's defaults that Grafana keeps).
var notificationFuncs = template.FuncMap{
	"toUpper":   strings.ToUpper,
	"toLower":   strings.ToLower,
	"title":     strings.Title, // deprecated in Go, but what Alertmanager uses
	"trimSpace": strings.TrimSpace,
	"join":      func(sep string, s []string) string { return strings.Join(s, sep) },
	"match":     regexp.MatchString,
	"reReplaceAll": func(pattern, repl, text string) string {
		return regexp.MustCompile(pattern).ReplaceAllString(text, repl)
	},
	"stringSlice": func(s ...string) []string { return s },
	"date":        func(layout string, t time.Time) string { return t.Format(layout) },
}

// humanize is Prometheus': SI prefixes, 4 significant digits.
func humanize(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v)
	}
	if math.Abs(v) >= 1 {
		prefix := ""
		for _, p := range []string{"k", "M", "G", "T", "P", "E", "Z", "Y"} {
			if math.Abs(v) < 1000 {
				break
			}
			prefix = p
			v /= 1000
		}
		return fmt.Sprintf("%.4g%s", v, prefix)
	}
	prefix := ""
	for _, p := range []string{"m", "u", "n", "p", "f", "a", "z", "y"} {
		if math.Abs(v) >= 1 {
			break
		}
		prefix = p
		v *= 1000
	}
	return fmt.Sprintf("%.4g%s", v, prefix)
}

// Alert rule template functions (Prometheus' that Grafana offers for annotations and labels).
var annotationFuncs = template.FuncMap{
	"humanize":           humanize,
	"humanizePercentage": func(v float64) string { return fmt.Sprintf("%.4g%%", v*100) },
	"humanizeDuration":   func(v float64) string { return (time.Duration(v * float64(time.Second))).String() },
	"title":              strings.Title,
	"toUpper":            strings.ToUpper,
	"toLower":            strings.ToLower,
	"match":              regexp.MatchString,
	"reReplaceAll": func(pattern, repl, text string) string {
		return regexp.MustCompile(pattern).ReplaceAllString(text, repl)
	},
}

// Value is one expression's result as an annotation sees it in $values.
type Value struct {
	Labels KV
	Value  float64
}

func (v Value) String() string { return fmt.Sprintf("%v", v.Value) }

func render(req request) (string, error) {
	var out bytes.Buffer
	switch req.Kind {
	case "annotation":
		// Grafana prepends these definitions to every rule template.
		text := "{{- $labels := .Labels -}}{{- $values := .Values -}}{{- $value := .Value -}}" + req.Text
		// Missing keys are errors here (Grafana would print "<no value>"): a summary that names a
		// label its series lack is a mistake either way.
		t, err := template.New("annotation").Option("missingkey=error").Funcs(annotationFuncs).Parse(text)
		if err != nil {
			return "", err
		}
		values := map[string]Value{}
		parts := []string{}
		for _, ref := range sortedKeys(req.Values) {
			values[ref] = Value{Labels: KV(req.Labels), Value: req.Values[ref]}
			parts = append(parts, fmt.Sprintf("var='%s' labels={%s} value=%v", ref, labelString(req.Labels), req.Values[ref]))
		}
		data := struct {
			Labels KV
			Values map[string]Value
			Value  string
		}{KV(req.Labels), values, "[ " + strings.Join(parts, " ], [ ") + " ]"}
		err = t.Execute(&out, data)
		return out.String(), err
	case "notification":
		if req.Notification == nil {
			return "", fmt.Errorf("notification: missing")
		}
		t := template.New("notification").Funcs(notificationFuncs)
		for i, file := range req.Templates {
			if _, err := t.New(fmt.Sprintf("templates[%d]", i)).Parse(file); err != nil {
				return "", err
			}
		}
		if _, err := t.New("setting").Parse(req.Text); err != nil {
			return "", err
		}
		err := t.ExecuteTemplate(&out, "setting", notificationData(req.Notification))
		return out.String(), err
	}
	return "", fmt.Errorf("kind: expected annotation or notification, got %q", req.Kind)
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func labelString(labels map[string]string) string {
	parts := []string{}
	for _, k := range KV(labels).Names() {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ", ")
}

func main() {
	var reqs []request
	answer := json.NewEncoder(os.Stdout)
	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
		_ = answer.Encode([]map[string]string{{"error": "request: " + err.Error()}})
		return
	}
	answers := []map[string]string{}
	for _, req := range reqs {
		text, err := render(req)
		if err != nil {
			answers = append(answers, map[string]string{"error": err.Error()})
		} else {
			answers = append(answers, map[string]string{"text": text})
		}
	}
	_ = answer.Encode(answers)
}
