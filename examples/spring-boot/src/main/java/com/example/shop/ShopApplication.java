package com.example.shop;

import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.WriteCommand;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.spring.Guarded;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A shop: prices cached in Redis (served from Lifeline's fallback while Redis is down), orders journaled while the database is down. */
@SpringBootApplication
public class ShopApplication {
  public static void main(String[] args) {
    SpringApplication.run(ShopApplication.class, args);
  }

  @Service
  public static class Pricing {
    /** Stands in for a slow pricing service; guarded by lifeline.guards.pricing.*. */
    @Guarded(value = "pricing", fallbackMethod = "listPrice")
    public String price(String product) {
      return product + "=" + (product.length() * 10);
    }

    String listPrice(String product, Throwable failure) {
      return product + "=list";
    }
  }

  @RestController
  public static class ShopController {
    private final RedisConnectionManager redis;
    private final DatabaseConnectionManager db;
    private final Pricing pricing;

    public ShopController(RedisConnectionManager redis, DatabaseConnectionManager db, Pricing pricing) {
      this.redis = redis;
      this.db = db;
      this.pricing = pricing;
    }

    @GetMapping("/prices/{product}")
    public String price(@PathVariable("product") String product) {
      String cached = redis.get("price:" + product);
      if (cached != null) {
        return cached;
      }
      String price = pricing.price(product);
      redis.set("price:" + product, price, Duration.ofMinutes(5));
      return price;
    }

    @PostMapping("/orders/{id}")
    public String order(@PathVariable("id") String id) {
      return db.submit(WriteCommand.of("order-" + id, "INSERT INTO orders(id) VALUES (?)", id)).name();
    }
  }
}
