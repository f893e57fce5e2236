package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestQuickstart runs the quickstart and checks the story it tells.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		`Registered "demo" (Demo Warehouse): 2 databases, 2 schemas, 4 tables, 10 columns`,
		"orders [TABLE] (id, placed_at, total, customer_email*New*)  (data source)",
		"refunds [TABLE] (id, amount)  (data source)",
		"returns [TABLE] (id, order_id)  (deleted remotely)",
		"changed demo.hr.people.employees.salary: DECIMAL(10,2) -> DECIMAL(14,2)",
		"column_added demo.sales.public.orders.customer_email",
		"After validating, demo.sales.public.orders columns: (id, placed_at, total, customer_email)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}
