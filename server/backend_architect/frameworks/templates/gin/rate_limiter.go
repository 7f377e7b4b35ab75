// rateLimit allows perMinute requests per minute from each client IP.
func rateLimit(perMinute int) gin.HandlerFunc {
	var mu sync.Mutex
	limiters := map[string]*rate.Limiter{}
	return func(c *gin.Context) {
		mu.Lock()
		l, ok := limiters[c.ClientIP()]
		if !ok {
			l = rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), perMinute)
			limiters[c.ClientIP()] = l
		}
		mu.Unlock()
		if !l.Allow() {
			c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": gin.H{"code": "RATE_LIMITED", "message": "too many requests"}})
			return
		}
		c.Next()
	}
}
