package notifications

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

func TestListKeepsTheNewestHundredOnceEach(t *testing.T) {
	t0 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	var list codecs.Notifications
	for i := range 150 {
		list, _ = Add(list, &codecs.Notification{ID: fmt.Sprint("n", i), At: t0.Add(time.Duration(i) * time.Minute)})
	}
	assert.Len(t, list.Items, Keep)
	assert.Equal(t, "n149", list.Items[0].ID, "newest first")
	assert.Equal(t, "n50", list.Items[Keep-1].ID)
	_, changed := Add(list, &codecs.Notification{ID: "n149", At: t0})
	assert.False(t, changed, "a notification id is kept once")
}
