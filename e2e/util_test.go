package e2e

import (
	"context"

	"encoding/json"
	"strings"

	"github.com/chromedp/chromedp"
)

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ignore runs an action for its effect and drops its value.
func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
